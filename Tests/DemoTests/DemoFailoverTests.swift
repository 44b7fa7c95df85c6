import Foundation
import TestSupport
import XCTest

/// Issue #7's end-to-end test, through `raftcast demo`: three real nodes on loopback, a paced
/// 20-second broadcast, the leader SIGKILLed about 6 s in. Every surviving node's ALSA file-plugin
/// capture holds ffmpeg's own decode of the whole file — leading silence, then every reference
/// frame in order, bit-exact (no frame inserted or dropped by drift correction either), then only
/// silence: nothing missing, nothing doubled — and the demo's verdict, from the play logs, reports
/// no gap.
final class DemoFailoverTests: XCTestCase {
    func testMP3BroadcastSurvivesTheLeadersDeathBitExact() throws {
        try runFailover(kind: "mp3-cbr", file: "failover.mp3")
    }

    func testMP4BroadcastSurvivesTheLeadersDeathBitExact() throws {
        try runFailover(kind: "mp4-bframes", file: "failover.mp4")
    }

    /// An 8-second file is committed within about a second, long before the kill at 4 s: the leader
    /// is still killed while the broadcast plays out of the log, and the takeover is still inaudible.
    func testShortMediaCommittedBeforeTheKillStillFailsOver() throws {
        try runFailover(kind: "mp4-bframes", file: "failover-short.mp4", seconds: 8, killAfter: 4)
    }

    private func runFailover(kind: String, file: String, seconds: Int = 20, killAfter: Int = 6) throws {
        let media = try ScriptMedia.make(kind: kind, seconds: seconds, name: file)
        let reference = try ToolProcess.ffmpegPCM(media)
        let run = try RaftcastExecutable.run(["demo", "--media", media, "--kill-after", "\(killAfter)"], timeout: 120)
        let work = try XCTUnwrap(DemoOutput.workFolder(run.stdoutText), run.stdoutText + run.stderrText)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: work) }
        let context = run.stdoutText + run.stderrText + DemoOutput.logTails(work)
        XCTAssertEqual(run.status, 0, context)
        XCTAssertTrue(run.stdoutText.contains("verdict: PASS"), context)
        let killed = try XCTUnwrap(DemoOutput.killedLeader(run.stdoutText), context)
        XCTAssertTrue(run.stdoutText.contains("new leader "), context)
        // The fragment count of `raftcast probe` (the plan the leader cuts by) on every survivor's line.
        let probe = try RaftcastExecutable.run(["probe", media, "--json"])
        let plan = try JSONSerialization.jsonObject(with: probe.stdout) as? [String: Any]
        let fragments = try XCTUnwrap(plan?["fragments"] as? [Any]).count
        let survivorLines = run.stdoutText.split(separator: "\n").filter { $0.contains("fragments, none doubled") }
        XCTAssertEqual(survivorLines.count, 2, context)
        for line in survivorLines {
            XCTAssertTrue(line.contains(" \(fragments) of \(fragments) fragments"), String(line))
            XCTAssertTrue(line.hasSuffix("bit-exact (no drift correction)"), String(line))
        }

        for node in ["n1", "n2", "n3"] where node != killed {
            let capture = try Data(contentsOf: URL(fileURLWithPath: "\(work)/\(node).wav"))
            XCTAssertGreaterThan(capture.count, 44, node)
            let alignment = PCMAlignment(capture: capture.dropFirst(44), reference: reference)
            let frames = reference.count / 4
            XCTAssertNotNil(alignment.offsetFrames, "\(node): the reference's first sound is not in the capture")
            XCTAssertTrue(alignment.silentBefore, "\(node): sound before the stream's first sample")
            XCTAssertNil(alignment.breakFrame, "\(node): frames missing, doubled or changed from reference frame \(alignment.breakFrame ?? -1) of \(frames)")
            XCTAssertTrue(alignment.silentAfter, "\(node): sound after the stream's last sample (doubled audio)")
            // Bit for bit: no frame inserted or dropped either. The nodes share one clock and the new
            // leader serves the timeline at that clock's rate, so every clock agrees within its bound
            // and the players leave their errors alone (docs/playback-sync.md §4).
            XCTAssertEqual(alignment.corrections, 0, "\(node): \(alignment.insertedBefore.count) frames inserted, \(alignment.dropped.count) dropped")
            print("\(node): reference at frame \(alignment.offsetFrames ?? -1), \(alignment.insertedBefore.count) frames inserted, \(alignment.dropped.count) dropped")
        }
    }
}
