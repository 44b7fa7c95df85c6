import Foundation
import TestSupport
import XCTest

/// `raftcast demo`'s bad input: one `error:` line naming the setting or file, exit 2, and no
/// cluster started (no work folder announced).
final class DemoCommandTests: XCTestCase {
    private let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("media/sample.mp3").path

    func testBadSettingsExitTwoWithOneLineNamingThem() throws {
        let cases: [([String], String)] = [
            (["--nodes", "2"], "error: --nodes: 2 is outside 3–7"),
            (["--media", "/nonexistent/a.mp3"], "error: /nonexistent/a.mp3: no such readable file"),
            (["--media", sample, "--kill-after", "11"], "error: --kill-after: 11 s must be between 1.0 s and 10.0 s"),
            (["--media", sample, "--audio", "none"], "error: --audio: must be 'file' or an ALSA device name"),
            (["--nodes", "three"], "error: usage:"),
        ]
        for (arguments, expected) in cases {
            let run = try RaftcastExecutable.run(["demo"] + arguments, timeout: 30)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderrText)")
            let lines = run.stderrText.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, run.stderrText)
            XCTAssertTrue(run.stderrText.hasPrefix(expected), "\(arguments): \(run.stderrText)")
            XCTAssertFalse(run.stdoutText.contains("work folder"), run.stdoutText)
        }
        let notMedia = try RaftcastExecutable.run(["demo", "--media", #filePath], timeout: 30)
        XCTAssertEqual(notMedia.status, 2, notMedia.stderrText)
        XCTAssertTrue(notMedia.stderrText.hasPrefix("error: \(#filePath): "), notMedia.stderrText)
    }
}
