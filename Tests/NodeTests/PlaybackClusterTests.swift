import Broadcast
import Foundation
import Node
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Synchronized playback end to end: three real `raftcast node` processes, each playing through
/// alsa-lib's `file` plugin (`audio: file:FILE=<tmp>/nX.raw,FORMAT=raw`), a paced upload of
/// media/sample.mp3, and every node's capture compared with `ffmpeg -f s16le -ar 48000 -ac 2` of the file.
final class PlaybackClusterTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func testEveryNodePlaysThePacedStreamCompletelyAndInStep() throws {
        let sample = Self.repositoryRoot.appendingPathComponent("media/sample.mp3").path
        let decoded = try ToolProcess.run(
            "ffmpeg", ["-nostdin", "-v", "error", "-i", sample, "-map", "0:a:0", "-f", "s16le", "-ar", "48000", "-ac", "2", "-"])
        XCTAssertEqual(decoded.status, 0, decoded.stderrText)
        let reference = PlaybackServiceTests.samples(decoded.stdout)
        XCTAssertGreaterThan(reference.count, 48_000 * 2 * 10)

        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-playback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: captures) }
        func capture(_ id: String) -> String { captures.appendingPathComponent("\(id).raw").path }
        let cluster = try LocalCluster(size: 3) { id in ["audio: file:FILE=\(capture(id)),FORMAT=raw"] }
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        // Every node plays from the stream's first sample: wait until each knows cluster time.
        _ = try cluster.waitFor("every node synchronized and its engine idle") { () -> Bool? in
            cluster.ids.allSatisfy { id in
                guard let playback = cluster.json(id, "/v1/playback") else { return false }
                return playback["clock_synchronized"] as? Bool == true && playback["state"] as? String == "idle"
            } ? true : nil
        }

        let id = "00000000000000c7"
        let upload = try cluster.http(
            leader, "POST", "/v1/streams?id=\(id)&fast=0&filename=sample.mp3&name=sample", body: Array(Data(contentsOf: URL(fileURLWithPath: sample))),
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(upload.status, 202, upload.text)
        let fragments = try cluster.waitFor("stream ended", timeout: .seconds(40)) { () -> Int? in
            guard let stream = cluster.json(leader, "/v1/streams/\(id)"), stream["state"] as? String == "ended" else { return nil }
            return stream["committed_fragments"] as? Int
        }
        // Played out: every node's play log covers every fragment and its engine is idle again.
        try cluster.waitFor("every node played every fragment", timeout: .seconds(20)) { () -> Bool? in
            cluster.ids.allSatisfy { node in
                let log = cluster.directory.appendingPathComponent("data/\(node)/\(PlayLog.fileName)").path
                guard let records = try? PlayLog.read(path: log),
                    Set(records.filter { $0.stream == id }.map(\.fragment)) == Set(0..<fragments),
                    cluster.json(node, "/v1/playback")?["state"] as? String == "idle"
                else { return false }
                return true
            } ? true : nil
        }
        var corrections: [String: Int] = [:]
        for node in cluster.ids {
            let playback = try XCTUnwrap(cluster.json(node, "/v1/playback"))
            XCTAssertEqual(playback["hard_resyncs"] as? Int, 0, node)
            XCTAssertEqual(playback["stalled_samples"] as? Int, 0, node)
            corrections[node] = playback["drift_correction_frames"] as? Int
            XCTAssertEqual(cluster.terminate(node, timeout: .seconds(10)), 0, "\(node) exits cleanly, its capture closed")
        }

        // Each capture is silence, then the reference, then silence. The leader serves cluster time
        // (its clock map is its own monotonic clock): bit-exact. A follower's map is estimated to a few
        // µs and slewed, so its playout may insert or drop single frames (the engine's drift
        // correction, counted in drift_correction_frames): exact apart from those, none adjacent.
        let firstSound = try XCTUnwrap(reference.firstIndex { $0 != 0 }) / 2
        var starts: [String: Int] = [:]
        for node in cluster.ids {
            let captured = PlaybackServiceTests.samples(try Data(contentsOf: URL(fileURLWithPath: capture(node))))
            let start = try XCTUnwrap(captured.firstIndex { $0 != 0 }, node) / 2 - firstSound
            XCTAssertGreaterThanOrEqual(start, 0, node)
            starts[node] = start
            XCTAssertTrue(captured[..<(start * 2)].allSatisfy { $0 == 0 }, "\(node): silence before the stream")
            let zeros = [Int16](repeating: 0, count: start * 2)
            let alignment = FrameAlignment(captured: captured, reference: zeros + reference, referenceStart: 0)
            XCTAssertNil(alignment.mismatch, "\(node): differs from the reference beyond single-frame corrections")
            XCTAssertFalse(alignment.adjacentCorrections, node)
            XCTAssertEqual(alignment.referenceEnd, start + reference.count / 2, "\(node): nothing missing at the end")
            XCTAssertEqual(alignment.dropped + alignment.inserted, corrections[node], node)
            XCTAssertTrue(captured[(alignment.capturedEnd * 2)...].allSatisfy { $0 == 0 }, "\(node): nothing doubled after")
            if node == leader {
                XCTAssertEqual(alignment.dropped + alignment.inserted, 0, "the leader's capture is bit-exact")
                XCTAssertTrue(captured[(start * 2)..<(start * 2 + reference.count)].elementsEqual(reference))
            }
            XCTAssertLessThanOrEqual(Double(alignment.dropped + alignment.inserted), 0.0005 * 48_000 * 13, "\(node): ≤ 500 ppm")
        }
        // In step: each fragment's first sample was heard at the same cluster time on every node (as
        // each node's clock has it; the true skew can exceed this by the nodes' error bounds), and
        // no node left a gap between fragments.
        let records = try cluster.ids.flatMap { node in
            try PlayLog.read(path: cluster.directory.appendingPathComponent("data/\(node)/\(PlayLog.fileName)").path)
        }
        let analysis = PlayLogAnalysis(records: records)
        XCTAssertEqual(analysis.skews.count, fragments)
        XCTAssertTrue(analysis.skews.allSatisfy { $0.nodes == 3 })
        let skew = try XCTUnwrap(PlayLogAnalysis.Summary(analysis.skews.map(\.skew)))
        XCTAssertLessThan(skew.max, .milliseconds(1), "logged inter-node skew")
        XCTAssertTrue(analysis.gaps.allSatisfy { abs($0.gap.wholeNanoseconds) < 1_000_000 }, "\(analysis.gaps)")
        let errors = cluster.ids.map { node -> String in
            let log = cluster.directory.appendingPathComponent("data/\(node)/\(PlayLog.fileName)").path
            let records = (try? PlayLog.read(path: log)) ?? []
            return "\(node): " + records.map { "\($0.playoutErrorNanoseconds / 1000)" }.joined(separator: " ")
        }
        print("playback cluster: leader \(leader); drift corrections \(corrections); logged skew p50 \(skew.p50) max \(skew.max); playout error per fragment (µs) \(errors)")
    }
}
