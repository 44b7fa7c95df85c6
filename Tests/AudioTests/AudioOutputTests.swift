@testable import Audio
import Foundation
import XCTest

final class AudioOutputTests: XCTestCase {
    func testNoSoundCardFallsBackToAWAVFileWithANotice() throws {
        try XCTSkipIf(ALSALibrary.hasSoundCard, "this machine has a sound card: the fallback cannot be provoked")
        let directory = try makeTemporaryDirectory(self)
        let path = directory.appendingPathComponent("fallback.wav").path
        let output = try AudioOutput.open(device: "default", format: .standard, fallbackWAV: path)
        let sink = try XCTUnwrap(output.sink as? WAVFileSink)
        XCTAssertEqual(sink.path, path)
        XCTAssertEqual(output.notice, "no sound card: cannot open \"default\", writing audio to \(path) instead")
        let signal = TestSignal.make(frames: 4_800)
        try sink.write(signal)
        try sink.close()
        XCTAssertEqual(TestSignal.samples(try WAVTestFile(contentsOf: URL(fileURLWithPath: path)).data), signal)
    }

    func testWithoutFallbackTheMissingDefaultDeviceIsAnError() throws {
        try XCTSkipIf(ALSALibrary.hasSoundCard, "this machine has a sound card")
        XCTAssertThrowsError(try AudioOutput.open(device: "default", fallbackWAV: nil)) {
            XCTAssertTrue(($0 as? AudioError)?.description.hasPrefix("default: cannot open playback device: ") ?? false)
        }
    }

    func testUnknownDeviceNameIsNeverHiddenByTheFallback() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory.appendingPathComponent("unused.wav").path
        XCTAssertThrowsError(try AudioOutput.open(device: "nosuchdevice", fallbackWAV: path)) {
            guard case .openFailed(let device, _, _) = $0 as? AudioError else { return XCTFail("\($0)") }
            XCTAssertEqual(device, "nosuchdevice")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testWorkingDeviceIsUsedWithoutNotice() throws {
        let directory = try makeTemporaryDirectory(self)
        let output = try AudioOutput.open(
            device: "file:FILE=\(directory.appendingPathComponent("x.raw").path),FORMAT=raw", fallbackWAV: "/unused.wav")
        XCTAssertTrue(output.sink is ALSASink)
        XCTAssertNil(output.notice)
    }

    func testFallbackDecision() {
        let failed = AudioError.openFailed(device: "x", code: -2, detail: "")
        XCTAssertTrue(AudioOutput.shouldFallBack(device: "default", error: failed, hasSoundCard: false))
        XCTAssertTrue(AudioOutput.shouldFallBack(device: "plughw:0,0", error: failed, hasSoundCard: false))
        XCTAssertTrue(AudioOutput.shouldFallBack(device: "surround51:CARD=0", error: failed, hasSoundCard: false))
        XCTAssertFalse(AudioOutput.shouldFallBack(device: "default", error: failed, hasSoundCard: true))
        XCTAssertFalse(AudioOutput.shouldFallBack(device: "nosuchdevice", error: failed, hasSoundCard: false))
        XCTAssertFalse(AudioOutput.shouldFallBack(device: "hwx", error: failed, hasSoundCard: false))
        XCTAssertFalse(AudioOutput.shouldFallBack(
            device: "default", error: .configurationFailed(device: "default", setting: "rate", code: -22), hasSoundCard: false))
    }
}
