import Audio
import XCTest

final class ALSASinkErrorTests: XCTestCase {
    func testUnknownDeviceThrowsOneLineNamingDeviceAndReason() {
        XCTAssertThrowsError(try ALSASink(device: "nosuchdevice")) { error in
            guard let audioError = error as? AudioError, case .openFailed(let device, let code, _) = audioError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(device, "nosuchdevice")
            XCTAssertLessThan(code, 0)
            XCTAssertTrue(audioError.isBadInput)
            let text = audioError.description
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertTrue(text.hasPrefix("nosuchdevice: "), text)
            XCTAssertTrue(text.contains("No such file or directory"), text)
            XCTAssertTrue(text.contains("Unknown PCM nosuchdevice"), "ALSA's own reason is quoted: \(text)")
        }
    }

    func testMissingCardNamesTheDevice() {
        XCTAssertThrowsError(try ALSASink(device: "hw:97")) { error in
            let text = (error as? AudioError)?.description ?? ""
            XCTAssertTrue(text.hasPrefix("hw:97: cannot open playback device: "), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
    }

    func testInvalidFormatIsRejectedBeforeOpening() {
        XCTAssertThrowsError(try ALSASink(device: "null", format: AudioFormat(sampleRate: 48_000, channels: 0))) {
            XCTAssertEqual($0 as? AudioError, .invalidFormat(device: "null", format: AudioFormat(sampleRate: 48_000, channels: 0)))
            XCTAssertEqual(($0 as? AudioError)?.description, "null: invalid audio format 48000 Hz, 0 ch, s16le")
        }
    }

    func testPartialFrameWriteIsRefused() throws {
        let sink = try ALSASink(device: "null")
        XCTAssertThrowsError(try sink.write([1, 2, 3])) {
            XCTAssertEqual($0 as? AudioError, .partialFrame(device: "null", samples: 3, channels: 2))
        }
    }
}

final class ALSASinkConfigurationTests: XCTestCase {
    func testPeriodAndBufferFollowTheConfiguration() throws {
        let small = try ALSASink(device: "null", configuration: .init(periodTime: .milliseconds(10), bufferTime: .milliseconds(40)))
        XCTAssertEqual(small.periodFrames, 480)
        XCTAssertEqual(small.bufferFrames, 1_920)
        let standard = try ALSASink(device: "null")
        XCTAssertEqual(standard.periodFrames, 960)
        XCTAssertEqual(standard.bufferFrames, 4_800)
    }
}
