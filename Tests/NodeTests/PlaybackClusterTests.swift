import Broadcast
import Foundation
import Node
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Synchronized playback end to end: three real `raftcast node` processes, each playing through
/// alsa-lib's `file` plugin (`audio: file:FILE=<tmp>/nX.raw,FORMAT=raw`), a paced stream of
/// media/sample.mp3, and every node's capture compared with `ffmpeg -f s16le -ar 48000 -ac 2` of the file.
///
/// Each capture must be silence, then the reference, then silence — bit for bit. The leader serves
/// cluster time (its clock map is its own monotonic clock); a follower's map is estimated within
/// its error bound, which the playout scheduler does not chase (its dead band is the clock's bound),
/// and a new leader serves the timeline at its own clock's rate when the samples cannot tell the
/// old leader's from it (one machine): no frame is inserted or dropped (`drift_correction_frames`).
/// The alignment still tells isolated single-frame corrections from damage, so a failure says which.
final class PlaybackClusterTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let mediaDirectory = repositoryRoot.appendingPathComponent("media").path
    static let sample = (mediaDirectory as NSString).appendingPathComponent("sample.mp3")
    let id = "00000000000000c7"

    /// What one node played.
    struct Capture {
        var samples: [Int16]
        var alignment: FrameAlignment
        var start: Int
        var corrections: Int?
    }

    func reference() throws -> [Int16] {
        let decoded = try ToolProcess.run(
            "ffmpeg", ["-nostdin", "-v", "error", "-i", Self.sample, "-map", "0:a:0", "-f", "s16le", "-ar", "48000", "-ac", "2", "-"])
        guard decoded.status == 0 else { throw TestFailure(description: "ffmpeg: \(decoded.stderrText)") }
        return PlaybackServiceTests.samples(decoded.stdout)
    }

    /// A 3-node cluster whose nodes capture to `<captures>/<id>.raw`, started, every node synchronized and idle.
    func startCluster(captures: URL, clusterSettings: [String] = []) throws -> LocalCluster {
        let cluster = try LocalCluster.startCapturing(captures: captures, clusterSettings: clusterSettings)
        addTeardownBlock { cluster.shutdown() }
        return cluster
    }

    func playLog(_ cluster: LocalCluster, _ node: String) -> [PlayLogRecord] {
        (try? PlayLog.read(path: cluster.directory.appendingPathComponent("data/\(node)/\(PlayLog.fileName)").path)) ?? []
    }

    /// Waits until `nodes` played every fragment and went idle, reads their counters, stops them
    /// (SIGTERM: the captures are closed) and aligns each capture with `reference`.
    func playedOut(
        _ cluster: LocalCluster, nodes: [String], fragments: Int, captures: URL, reference: [Int16]
    ) throws -> [String: Capture] {
        _ = try cluster.waitFor("\(nodes) played every fragment", timeout: .seconds(20)) { () -> Bool? in
            nodes.allSatisfy { node in
                Set(playLog(cluster, node).filter { $0.stream.description == id }.map(\.fragment)) == Set(0..<fragments)
                    && cluster.json(node, "/v1/playback")?["state"] as? String == "idle"
            } ? true : nil
        }
        var counters: [String: [String: Any]] = [:]
        for node in nodes { counters[node] = cluster.json(node, "/v1/playback") }
        for node in nodes where cluster.terminate(node, timeout: .seconds(10)) != 0 {
            throw TestFailure(description: "\(node) did not exit cleanly\n\(cluster.logTails())")
        }
        let firstSound = reference.firstIndex { $0 != 0 }! / 2
        var result: [String: Capture] = [:]
        for node in nodes {
            let samples = PlaybackServiceTests.samples(try Data(contentsOf: captures.appendingPathComponent("\(node).raw")))
            let start = max(0, (samples.firstIndex { $0 != 0 } ?? 0) / 2 - firstSound)
            let alignment = FrameAlignment(
                captured: samples, reference: [Int16](repeating: 0, count: start * 2) + reference, referenceStart: 0)
            var capture = Capture(samples: samples, alignment: alignment, start: start)
            capture.corrections = counters[node]?["drift_correction_frames"] as? Int
            XCTAssertEqual(counters[node]?["hard_resyncs"] as? Int, 0, node)
            XCTAssertEqual(counters[node]?["stalled_samples"] as? Int, 0, node)
            result[node] = capture
        }
        return result
    }

    /// The frames around a mismatch, for the failure message.
    /// Every capture holds the reference from its start, nothing missing at the end, only silence after,
    /// and no frame inserted or dropped (the alignment would tell isolated corrections from damage).
    static func assertBitExact(
        _ played: [String: Capture], reference: [Int16], file: StaticString = #filePath, line: UInt = #line
    ) {
        for (node, capture) in played {
            let alignment = capture.alignment
            XCTAssertNil(
                alignment.mismatch,
                "\(node): differs from the reference beyond single-frame corrections: \(context(capture, reference))",
                file: file, line: line)
            XCTAssertFalse(alignment.adjacentCorrections, node, file: file, line: line)
            XCTAssertEqual(
                alignment.referenceEnd, capture.start + reference.count / 2, "\(node): nothing missing at the end",
                file: file, line: line)
            XCTAssertEqual(alignment.dropped + alignment.inserted, capture.corrections, node, file: file, line: line)
            XCTAssertTrue(
                capture.samples[(alignment.capturedEnd * 2)...].allSatisfy { $0 == 0 }, "\(node): nothing doubled after",
                file: file, line: line)
            XCTAssertEqual(capture.corrections, 0, "\(node): bit-exact, no drift correction", file: file, line: line)
        }
    }

    static func context(_ capture: Capture, _ reference: [Int16]) -> String {
        guard let (i, j) = capture.alignment.mismatch else { return "" }
        func frames(_ samples: [Int16], _ from: Int, _ offset: Int) -> String {
            let frameCount = samples.count / 2
            let lower = min(max(from - 3, 0), frameCount)
            return (lower..<max(lower, min(from + 5, frameCount))).map { "\(samples[$0 * 2]),\(samples[$0 * 2 + 1])" }
                .joined(separator: " ")
        }
        return "captured[\(i)-3…] \(frames(capture.samples, i, 0)) reference[\(j - capture.start)-3…] \(frames(reference, j - capture.start, 0))"
    }

    func testEveryNodePlaysThePacedStreamCompletelyAndInStep() throws {
        let reference = try reference()
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-playback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: captures) }
        let cluster = try startCluster(captures: captures)
        let leader = try cluster.waitForLeader(among: cluster.ids)

        let upload = try cluster.http(
            leader, "POST", "/v1/streams?id=\(id)&fast=0&filename=sample.mp3&name=sample",
            body: Array(Data(contentsOf: URL(fileURLWithPath: Self.sample))), headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(upload.status, 202, upload.text)
        // `raftcast status` names what each node plays.
        _ = try cluster.waitFor("raftcast status shows the stream by its name", timeout: .seconds(20)) { () -> Bool? in
            let status = try? RaftcastExecutable.run(["status", "--config", cluster.configPath], timeout: 10)
            return status.map { $0.status == 0 && $0.stdoutText.contains(" sample @ ") } == true ? true : nil
        }
        // The playback metrics while playing: promtool accepts them.
        let metrics = try cluster.waitFor("a follower's metrics say it plays", timeout: .seconds(20)) { () -> String? in
            let text = try? cluster.metrics(cluster.ids.first { $0 != leader }!)
            let playing = text?.split(separator: "\n").first { $0.hasPrefix("raftcast_playback_playing ") }
                .flatMap { Double($0.split(separator: " ")[1]) }
            return playing == 1 ? text : nil
        }
        for name in ["raftcast_playback_sync_error_seconds ", "raftcast_playback_buffered_seconds ", "raftcast_playback_underruns_total ",
                     "raftcast_playback_drift_correction_frames_total ", "raftcast_playback_stalled_samples_total "] {
            XCTAssertTrue(metrics.contains("\n" + name), name)
        }
        let promtool = try ToolProcess.run("/usr/bin/promtool", ["check", "metrics"], timeout: 30, input: Data(metrics.utf8))
        XCTAssertEqual(promtool.status, 0, promtool.stdoutText + promtool.stderrText)
        let fragments = try cluster.waitFor("stream ended", timeout: .seconds(40)) { () -> Int? in
            guard let stream = cluster.json(leader, "/v1/streams/\(id)"), stream["state"] as? String == "ended" else { return nil }
            return stream["committed_fragments"] as? Int
        }
        let played = try playedOut(cluster, nodes: cluster.ids, fragments: fragments, captures: captures, reference: reference)
        let logs = Dictionary(uniqueKeysWithValues: cluster.ids.map { ($0, playLog(cluster, $0)) })

        for (node, capture) in played {
            XCTAssertTrue(capture.samples[..<(capture.start * 2)].allSatisfy { $0 == 0 }, "\(node): silence before the stream")
        }
        Self.assertBitExact(played, reference: reference)
        let leaderCapture = try XCTUnwrap(played[leader])
        XCTAssertEqual(leaderCapture.corrections, 0, "the leader's capture is bit-exact")
        XCTAssertTrue(
            leaderCapture.samples[(leaderCapture.start * 2)..<(leaderCapture.start * 2 + reference.count)].elementsEqual(reference))

        // In step: each fragment's first sample was heard at the same cluster time on every node (as
        // each node's clock has it; the true skew can exceed this by the nodes' error bounds), and no
        // node left a gap between fragments.
        let analysis = PlayLogAnalysis(records: logs.values.flatMap { $0 })
        XCTAssertEqual(analysis.skews.count, fragments)
        XCTAssertTrue(analysis.skews.allSatisfy { $0.nodes == 3 })
        let skew = try XCTUnwrap(PlayLogAnalysis.Summary(analysis.skews.map(\.skew)))
        XCTAssertLessThan(skew.max, .milliseconds(1), "logged inter-node skew")
        XCTAssertTrue(analysis.gaps.allSatisfy { abs($0.gap.wholeNanoseconds) < 1_000_000 }, "\(analysis.gaps)")
        print("playback cluster: leader \(leader); drift corrections \(played.mapValues { $0.corrections ?? -1 }); logged skew p50 \(skew.p50) max \(skew.max)")
    }

    /// A paced stream from the media library; the leader is SIGKILLed while it plays. The new leader
    /// resumes the ingest by itself and serves the timeline it tracked; both survivors play the whole
    /// stream without a gap, a stall or a resync (fragments are committed seconds ahead of their time).
    func testSurvivorsPlayThroughASIGKILLOfTheLeader() throws {
        let reference = try reference()
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-playback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: captures) }
        let cluster = try startCluster(captures: captures, clusterSettings: ["media_dir: \(Self.mediaDirectory)"])
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let started = try cluster.http(
            leader, "POST", "/v1/streams", body: Array(#"{"media": "sample.mp3", "id": "\#(id)", "name": "live", "fast": false}"#.utf8),
            headers: ["Content-Type": "application/json"])
        XCTAssertEqual(started.status, 202, started.text)
        let survivors = cluster.ids.filter { $0 != leader }
        _ = try cluster.waitFor("the survivors playing fragment 1", timeout: .seconds(15)) { () -> Bool? in
            survivors.allSatisfy { node in playLog(cluster, node).contains { $0.stream.description == id && $0.fragment == 1 } } ? true : nil
        }
        cluster.kill9(leader)
        let newLeader = try cluster.waitForLeader(among: survivors)
        let fragments = try cluster.waitFor("stream ended", timeout: .seconds(30)) { () -> Int? in
            guard let stream = cluster.json(newLeader, "/v1/streams/\(id)"), stream["state"] as? String == "ended" else { return nil }
            return stream["committed_fragments"] as? Int
        }
        let played = try playedOut(cluster, nodes: survivors, fragments: fragments, captures: captures, reference: reference)
        let logs = survivors.flatMap { playLog(cluster, $0) }
        Self.assertBitExact(played, reference: reference)
        let analysis = PlayLogAnalysis(records: logs)
        XCTAssertEqual(analysis.skews.count, fragments)
        XCTAssertTrue(analysis.skews.allSatisfy { $0.nodes == 2 })
        let skew = try XCTUnwrap(PlayLogAnalysis.Summary(analysis.skews.map(\.skew)))
        XCTAssertLessThan(skew.max, .milliseconds(2), "logged skew between the survivors, across the handover")
        XCTAssertTrue(analysis.gaps.allSatisfy { abs($0.gap.wholeNanoseconds) < 1_000_000 }, "\(analysis.gaps)")
        print("playback through failover: \(leader) killed, \(newLeader) leads; drift corrections \(played.mapValues { $0.corrections ?? -1 }); logged skew max \(skew.max)")
    }
}
