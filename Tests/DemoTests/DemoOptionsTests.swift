import Demo
import XCTest

final class DemoOptionsTests: XCTestCase {
    private func validate(nodes: Int = 3, duration: Double? = 20, killAfter: Double? = nil, audio: String = "file") throws -> DemoOptions {
        try DemoOptions.validate(nodes: nodes, media: "/m/a.mp3", mediaDuration: duration, killAfter: killAfter, audio: audio)
    }

    private func rejection(_ body: () throws -> DemoOptions) -> DemoOptionsError? {
        do {
            _ = try body()
            return nil
        } catch let error as DemoOptionsError {
            return error
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testDefaultsKillAThirdIntoTheMediaAndCaptureToFiles() throws {
        let options = try validate()
        XCTAssertEqual(options.nodeCount, 3)
        XCTAssertEqual(options.killAfterSeconds, 20.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(options.audio, .fileCapture)
        XCTAssertEqual(options.nodeIDs, ["n1", "n2", "n3"])
        XCTAssertEqual(try validate(duration: 3).killAfterSeconds, 1.0, "never before the first second")
        XCTAssertEqual(try validate(nodes: 7, killAfter: 6, audio: "default").audio, .device("default"))
    }

    func testEveryBadSettingIsNamedWithItsReason() {
        let tooFew = rejection { try validate(nodes: 2) }
        XCTAssertEqual(tooFew?.setting, "--nodes")
        XCTAssertEqual(tooFew?.reason.contains("3–7"), true)
        XCTAssertEqual(rejection { try validate(nodes: 8) }?.setting, "--nodes")

        let unknownDuration = rejection { try validate(duration: nil) }
        XCTAssertEqual(unknownDuration?.setting, "/m/a.mp3")
        XCTAssertEqual(unknownDuration?.reason.contains("duration is unknown"), true)
        let short = rejection { try validate(duration: 2.5) }
        XCTAssertEqual(short?.description, "/m/a.mp3: 2.5 s is too short for a failover demo (at least 3 s)")

        XCTAssertEqual(
            rejection { try validate(killAfter: 19) }?.description,
            "--kill-after: 19 s must be between 1.0 s and 18.0 s (20.0 s of media, less 2 s)")
        XCTAssertEqual(rejection { try validate(killAfter: 0.5) }?.setting, "--kill-after")
        XCTAssertEqual(rejection { try validate(killAfter: .nan) }?.setting, "--kill-after")
        XCTAssertEqual(try validate(killAfter: 18).killAfterSeconds, 18)

        for audio in ["none", "", "my device", "a'b"] {
            XCTAssertEqual(rejection { try validate(audio: audio) }?.setting, "--audio", audio)
        }
    }
}
