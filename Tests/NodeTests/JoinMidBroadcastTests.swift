import Broadcast
import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// A machine joining while the broadcast plays (issue 17, "What shows it"): real `raftcast node` processes on
/// loopback playing into alsa-lib's `file` plugin, a 20 s MP4/AAC at 48 kHz sent paced with the real
/// `raftcast ingest`, and a new machine started with `raftcast node --join` (its own data dir and capture
/// device) while the item plays. Every capture is compared with ffmpeg's decode of the file; the joiner's
/// from the sample its play log says it started with (the AAC at 48 kHz needs no resampler, whose state
/// would differ between a join and a start at sample 0).
final class JoinMidBroadcastTests: XCTestCase {
    /// Single frames the joiner may insert or drop while its clock estimate converges: 2 ms at 48 kHz.
    static let joinerCorrections = 96

    /// The joiner's view of the programme (ReplaceVoterMidBroadcastTests uses it too).
    struct Joiner {
        var id: String
        var httpPort: Int
        var dataDirectory: String
        var process: BackgroundProcess

        func get(_ path: String) -> HTTPFetch.Response? {
            guard let response = try? HTTPFetch.request(host: "127.0.0.1", port: httpPort, path: path, timeout: .seconds(2)),
                response.status == 200
            else { return nil }
            return response
        }
        func report() -> ClusterStatusReport? { get("/v1/cluster").flatMap { try? JSONDecoder().decode(ClusterStatusReport.self, from: Data($0.body)) } }
        func queue() -> QueueResource? { get("/v1/queue").flatMap { try? JSONDecoder().decode(QueueResource.self, from: Data($0.body)) } }
        func playback() -> [String: Any]? {
            get("/v1/playback").flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
        }
        func members() -> [String]? {
            get("/v1/members").flatMap { try? JSONDecoder().decode(MemberList.self, from: Data($0.body)) }?.members.map(\.id)
        }
        func playLog() -> [PlayLogRecord] { (try? PlayLog.read(path: dataDirectory + "/" + PlayLog.fileName)) ?? [] }
        /// Waits (20 s at most) until the joiner's queue is empty and its player idle; its `/v1/playback` then.
        func waitForPlayedOut(_ cluster: LocalCluster) throws -> [String: Any] {
            try cluster.waitFor("\(id) played the item out", timeout: .seconds(20)) { () -> [String: Any]? in
                guard let queue = queue(), queue.playing == nil, queue.upcoming.isEmpty,
                    let playback = playback(), playback["state"] as? String == "idle"
                else { return nil }
                return playback
            }
        }
    }

    private func playLog(_ cluster: LocalCluster, _ node: String) -> [PlayLogRecord] {
        (try? PlayLog.read(path: cluster.directory.appendingPathComponent("data/\(node)/\(PlayLog.fileName)").path)) ?? []
    }

    /// 3 voters and 2 listeners play the item; 6 s in, a 6th machine joins with `--join` (as a listener). It
    /// starts at the current position: its capture is the item's decode bit for bit from the sample its play
    /// log names to the end, and its play log and a voter's agree within 1 ms for every fragment it played;
    /// every node's `/v1/members` and `raftcast status` show it. It is promoted, the leader is SIGKILLed
    /// while the item plays, and every survivor's capture, the joiner's included, stays bit-exact to the end.
    func testANodeJoiningMidBroadcastPlaysInSyncThroughItsPromotionAndALeaderKill() throws {
        let path = try ScriptMedia.make(kind: "mp4-aac48", seconds: 20, name: "join-a.mp4")
        let item = QueueClusterTests.Item(path: path, reference: try ToolProcess.ffmpegPCM(path))
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-join-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: captures) }
        let cluster = try LocalCluster.startCapturing(size: 5, captures: captures) { id in ["n4", "n5"].contains(id) ? ["role: listener"] : [] }
        addTeardownBlock { cluster.shutdown() }
        let voters = ["n1", "n2", "n3"]

        let ingest = try QueueClusterTests.startIngest(item, name: "join-a", cluster: cluster, in: self)
        let leader = try cluster.waitForLeader(among: voters)
        let stream = try cluster.waitFor("the item playing 6 s in", timeout: .seconds(30)) { () -> String? in
            guard let playing = QueueClusterTests.queue(cluster, leader)?.playing, playing.name == "join-a",
                (playing.positionSeconds ?? 0) >= 6
            else { return nil }
            return playing.streamID
        }

        // n6 joins through a follower, with nothing but the secret and that member's address.
        let ports = try LocalCluster.freePorts(2)
        let data = cluster.directory.appendingPathComponent("n6-data").path
        let through = voters.first { $0 != leader }!
        let process = try BackgroundProcess(
            try RaftcastExecutable.path(),
            ["node", "--join", "127.0.0.1:\(cluster.httpPorts[cluster.index(of: through)])", "--id", "n6",
             "--raft", "127.0.0.1:\(ports[0])", "--http", "127.0.0.1:\(ports[1])", "--data-dir", data,
             "--secret-file", cluster.directory.appendingPathComponent("cluster.secret").path,
             "--audio", "file:FILE=\(captures.appendingPathComponent("n6.raw").path),FORMAT=raw"],
            log: cluster.directory.appendingPathComponent("n6.log").path)
        addTeardownBlock { process.stop() }
        let joiner = Joiner(id: "n6", httpPort: ports[1], dataDirectory: data, process: process)
        addTeardownBlock { if (self.testRun?.totalFailureCount ?? 0) > 0 { print("n6's log:\n" + String(process.output.suffix(6000))) } }

        _ = try cluster.waitFor("every node lists n6", timeout: .seconds(20)) { () -> Bool? in
            let listed = cluster.ids.allSatisfy { id in
                ((cluster.json(id, "/v1/members")?["members"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == "n6" }
            }
            return listed && (joiner.members() ?? []).contains("n6") ? true : nil
        }
        let joined = try cluster.waitFor("n6 plays the item", timeout: .seconds(20)) { () -> (Double, ClusterStatusReport)? in
            guard let playing = joiner.queue()?.playing, playing.streamID == stream, let report = joiner.report() else { return nil }
            return (playing.positionSeconds ?? 0, report)
        }
        XCTAssertEqual(joined.1.role, "learner")
        XCTAssertGreaterThanOrEqual(joined.0, 6, "n6 starts at the current position, not at the start")

        // `raftcast status` with the file n6 wrote lists it as a learner following the leader.
        let status = try runRaftcast(["status", "--config", data + "/cluster.yaml", "--timeout-ms", "1000"])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        let row = try XCTUnwrap(status.stdout.split(separator: "\n").first { $0.hasPrefix("n6 ") }, status.stdout)
        XCTAssertEqual(row.split(separator: " ").prefix(2).map(String.init), ["n6", "learner"], status.stdout)

        // Promoted once caught up; then the leader is SIGKILLed while the item still plays.
        let promoted = try cluster.waitFor("n6 is promoted", timeout: .seconds(20)) { () -> ProcessRun? in
            guard let run = try? runRaftcast(["members", "promote", "n6", "--config", cluster.configPath]), run.status == 0 else { return nil }
            return run
        }
        XCTAssertTrue(promoted.stdout.hasPrefix("promoted n6 (voter"), promoted.stdout)
        _ = try cluster.waitFor("n6 votes") { joiner.report()?.role == "follower" ? true : nil }
        let killed = try cluster.waitForLeader(among: voters)
        let position = try XCTUnwrap(QueueClusterTests.queue(cluster, killed)?.playing?.positionSeconds, "the item still plays at the kill")
        XCTAssertLessThan(position, 18)
        cluster.kill9(killed)
        let survivors = cluster.ids.filter { $0 != killed }
        let successor = try cluster.waitFor("a new leader among the survivors and n6", timeout: .seconds(15)) { () -> String? in
            let leaders = Set((cluster.reports(survivors) ?? []).compactMap(\.leader) + [joiner.report()?.leader].compactMap { $0 })
            return leaders.count == 1 && leaders.first != killed ? leaders.first : nil
        }
        XCTAssertFalse(["n4", "n5"].contains(successor), "a listener leads: \(successor)")
        print("join: n6 joined at \(joined.0) s, promoted, \(killed) killed at \(position) s, \(successor) took over")

        XCTAssertEqual(ingest.wait(timeout: .seconds(40)), 0, "ingest: \(ingest.output)\n\(cluster.logTails())")
        let reports = try QueueClusterTests.waitForPlayedOut(cluster, survivors, timeout: .seconds(40))
        let joinerPlayback = try joiner.waitForPlayedOut(cluster)
        for (node, playback) in reports.merging(["n6": joinerPlayback], uniquingKeysWith: { a, _ in a }) {
            XCTAssertEqual(playback["hard_resyncs"] as? Int, 0, node)
            XCTAssertEqual(playback["stalled_samples"] as? Int, 0, node)
            // The joiner places its playhead on a clock estimate a few seconds old, which may still move by
            // up to ~2 ms (measured): it may then insert or drop single frames (at most 500 ppm) while it
            // converges; the others none.
            XCTAssertLessThanOrEqual(playback["drift_correction_frames"] as? Int ?? .max, node == "n6" ? Self.joinerCorrections : 0, node)
        }

        // In sync: for every fragment n6 played, its play log and a surviving voter's agree within 1 ms.
        let joinerLog = joiner.playLog().filter { $0.stream.description == stream }
        let voter = survivors.first { voters.contains($0) }!
        let voterLog = playLog(cluster, voter).filter { $0.stream.description == stream }
        let first = try XCTUnwrap(joinerLog.min { $0.fragment < $1.fragment }, "n6's play log")
        XCTAssertGreaterThan(first.fragment, 0, "n6 joined inside the item")
        let analysis = PlayLogAnalysis(records: joinerLog + voterLog)
        let shared = analysis.skews.filter { $0.nodes == 2 }
        XCTAssertEqual(shared.count, Set(joinerLog.map(\.fragment)).count, "every fragment n6 played, the voter played")
        let skew = try XCTUnwrap(PlayLogAnalysis.Summary(shared.map(\.skew)))
        XCTAssertLessThanOrEqual(skew.max, .milliseconds(3), "n6 vs \(voter): logged skew")
        // Settled (from the third fragment after its first, 4 s on): within 1 ms.
        let settled = try XCTUnwrap(PlayLogAnalysis.Summary(shared.filter { $0.fragment >= first.fragment + 2 }.map(\.skew)))
        XCTAssertLessThanOrEqual(settled.max, .milliseconds(1), "n6 vs \(voter): logged skew once settled")
        XCTAssertTrue(
            analysis.gaps.filter { $0.node == "n6" }.allSatisfy { abs($0.gap.wholeNanoseconds) < 1_000_000 },
            "\(analysis.gaps.filter { $0.node == "n6" })")
        print("join: settled skew max \(settled.max); bounds n6 \(joinerLog.map { $0.clockErrorBoundNanoseconds / 1000 }) µs, \(voter) \(voterLog.map { $0.clockErrorBoundNanoseconds / 1000 }) µs; errors n6 \(joinerLog.map { $0.playoutErrorNanoseconds / 1000 })")
        print("join: n6 from fragment \(first.fragment) sample \(first.firstPlayedSample); skew vs \(voter) over \(skew.count) fragments p50 \(skew.p50) max \(skew.max)")

        // Bit-exact: every survivor the whole decode; n6 the decode from its first played sample.
        process.stop()
        XCTAssertEqual(process.wait(timeout: .zero), 0, "n6 exits cleanly")
        var played = try QueueClusterTests.stopAndReadCaptures(cluster, survivors, captures: captures)
        QueueClusterTests.assertPlays(played, exactly: item.reference, "the item (\(killed) killed)", context: cluster.logTails(lines: 30))
        played = ["n6": try Data(contentsOf: captures.appendingPathComponent("n6.raw"))]
        let start = Int(first.firstPlayedSample)
        XCTAssertEqual(first.sampleRate, 48_000)
        XCTAssertGreaterThan(start, 5 * 48_000, "n6 joined about 6 s in")
        QueueClusterTests.assertPlays(
            played, exactly: Data(item.reference.dropFirst(start * 4)),
            "the item from sample \(start)", context: String(process.output.suffix(3000)),
            allowingCorrections: Self.joinerCorrections)
    }
}
