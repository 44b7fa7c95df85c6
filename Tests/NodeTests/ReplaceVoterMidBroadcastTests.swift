import Broadcast
import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// Replacing a dead voter while the broadcast plays, heard (issue 17, "What shows it": "a dead voter is
/// removed and a new one added, then another voter is killed and the broadcast goes on"): three voters play a
/// 20 s MP4/AAC at 48 kHz into alsa-lib's `file` plugin, sent paced with the real `raftcast ingest`; a
/// follower is SIGKILLed, `raftcast members remove` takes it out, `raftcast members add n4 --voter` adds a
/// fresh machine that is then started with `raftcast node --join` (its own data dir and capture device); once
/// it votes and has played 3 s, another founder is SIGKILLed — the leader, unless n4 leads by then — and the
/// item plays to its end on the founder left and n4, which a leader needs both of.
/// The surviving founder's capture is ffmpeg's decode bit for bit; n4's from the sample its play log says it
/// started with (the AAC at 48 kHz needs no resampler, whose state would differ between a join and a start
/// at sample 0), within ``JoinMidBroadcastTests/joinerCorrections`` single-frame corrections.
final class ReplaceVoterMidBroadcastTests: XCTestCase {
    func testADeadVoterReplacedByAFreshMachineLetsTheBroadcastSurviveTheLeadersLoss() throws {
        let begun = ContinuousClock.now
        let path = try ScriptMedia.make(kind: "mp4-aac48", seconds: 20, name: "replace-a.mp4")
        let item = QueueClusterTests.Item(path: path, reference: try ToolProcess.ffmpegPCM(path))
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-replace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: captures) }
        let cluster = try LocalCluster.startCapturing(size: 3, captures: captures)
        addTeardownBlock { cluster.shutdown() }
        func members(_ arguments: [String]) throws -> ProcessRun {
            try runRaftcast(["members"] + arguments + ["--config", cluster.configPath])
        }

        let ingest = try QueueClusterTests.startIngest(item, name: "replace-a", cluster: cluster, in: self)
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let stream = try cluster.waitFor("the item playing 2 s in", timeout: .seconds(30)) { () -> String? in
            guard let playing = QueueClusterTests.queue(cluster, leader)?.playing, playing.name == "replace-a",
                (playing.positionSeconds ?? 0) >= 2
            else { return nil }
            return playing.streamID
        }

        // A follower dies and is removed: the two voters left are both reachable.
        let current = try cluster.waitForLeader(among: cluster.ids)
        let dead = cluster.ids.first { $0 != current }!
        let founders = cluster.ids.filter { $0 != dead }
        cluster.kill9(dead)
        // Again when the answer was "no leader" (an election under load): once removed, "no member" says so.
        _ = try cluster.waitFor("\(dead) removed") { () -> Bool? in
            guard let run = try? members(["remove", dead]), run.status == 0 || run.stderr.contains("no member \"\(dead)\"") else { return nil }
            return true
        }

        // A fresh machine is added as a voter (2 of 3 voters reachable: allowed), then started with --join, which
        // takes the member already added with its addresses as its own addition.
        let ports = try LocalCluster.freePorts(2)
        let raft = "127.0.0.1:\(ports[0])", http = "127.0.0.1:\(ports[1])"
        let added = try members(["add", "n4", "--raft", raft, "--http", http, "--voter"])
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(added.stdout, "added n4 (voter, raft \(raft), http \(http))\n")
        let data = cluster.directory.appendingPathComponent("n4-data").path
        let process = try BackgroundProcess(
            try RaftcastExecutable.path(),
            ["node", "--join", "127.0.0.1:\(cluster.httpPorts[cluster.index(of: founders[0])])", "--id", "n4",
             "--raft", raft, "--http", http, "--data-dir", data,
             "--secret-file", cluster.directory.appendingPathComponent("cluster.secret").path,
             "--audio", "file:FILE=\(captures.appendingPathComponent("n4.raw").path),FORMAT=raw"],
            log: cluster.directory.appendingPathComponent("n4.log").path)
        addTeardownBlock { process.stop() }
        addTeardownBlock { if (self.testRun?.totalFailureCount ?? 0) > 0 { print("n4's log:\n" + String(process.output.suffix(6000))) } }
        let joiner = JoinMidBroadcastTests.Joiner(id: "n4", httpPort: ports[1], dataDirectory: data, process: process)
        let joined = try cluster.waitFor("n4 votes and plays the item", timeout: .seconds(20)) { () -> Double? in
            guard joiner.report()?.role == "follower", let playing = joiner.queue()?.playing, playing.streamID == stream else { return nil }
            return playing.positionSeconds ?? 0
        }
        XCTAssertTrue(process.output.contains("joined the cluster test-cluster"), process.output)
        let status = try runRaftcast(["status", "--config", cluster.configPath])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        let rows = status.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").prefix(2).map(String.init) }
        XCTAssertEqual(rows.map { $0[0] }, founders + ["n4"], status.stdout)
        XCTAssertEqual(rows.first { $0[0] == "n4" }?[1], "follower", status.stdout)

        // A founder dies while the item plays, n4 having played 3 s of it: the leader (or, when n4 leads after
        // an election under load, the other founder). The founder left and n4 go on: a leader needs both.
        let position = try cluster.waitFor("n4 played 3 s", timeout: .seconds(10)) { () -> Double? in
            guard let seconds = QueueClusterTests.queue(cluster, founders[0])?.playing?.positionSeconds, seconds >= joined + 3 else { return nil }
            return seconds
        }
        let leading = try cluster.waitFor("one leader of the founders and n4") { () -> String? in
            guard let reports = cluster.reports(founders), let own = joiner.report(), let chosen = own.leader,
                reports.allSatisfy({ $0.leader == chosen && $0.term == own.term })
            else { return nil }
            return chosen
        }
        let killed = founders.contains(leading) ? leading : founders[0]
        let founder = founders.first { $0 != killed }!
        XCTAssertLessThan(position, 18, "the item still plays at the kill")
        cluster.kill9(killed)
        let successor = try cluster.waitFor("a leader of \(founder) and n4", timeout: .seconds(15)) { () -> String? in
            guard let a = cluster.report(founder), let b = joiner.report(), let chosen = a.leader, chosen != killed,
                b.leader == chosen, a.term == b.term
            else { return nil }
            return chosen
        }
        print("replace: \(dead) killed and removed, n4 added and joined at \(joined) s, \(killed) killed at \(position) s (\(leading) led), \(successor) leads")

        XCTAssertEqual(ingest.wait(timeout: .seconds(40)), 0, "ingest: \(ingest.output)\n\(cluster.logTails())")
        let reports = try QueueClusterTests.waitForPlayedOut(cluster, [founder], timeout: .seconds(40))
        let joinerPlayback = try joiner.waitForPlayedOut(cluster)
        for (node, playback) in reports.merging(["n4": joinerPlayback], uniquingKeysWith: { a, _ in a }) {
            XCTAssertEqual(playback["hard_resyncs"] as? Int, 0, node)
            XCTAssertEqual(playback["stalled_samples"] as? Int, 0, node)
            XCTAssertLessThanOrEqual(
                playback["drift_correction_frames"] as? Int ?? .max, node == "n4" ? JoinMidBroadcastTests.joinerCorrections : 0, node)
        }

        // Bit-exact: the founder the whole decode; n4 the decode from its first played sample.
        let first = try XCTUnwrap(joiner.playLog().filter { $0.stream.description == stream }.min { $0.fragment < $1.fragment }, "n4's play log")
        process.stop()
        XCTAssertEqual(process.wait(timeout: .zero), 0, "n4 exits cleanly")
        let played = try QueueClusterTests.stopAndReadCaptures(cluster, [founder], captures: captures)
        QueueClusterTests.assertPlays(
            played, exactly: item.reference, "the item (\(dead) replaced by n4, \(killed) killed)", context: cluster.logTails(lines: 30))
        let start = Int(first.firstPlayedSample)
        XCTAssertEqual(first.sampleRate, 48_000)
        XCTAssertGreaterThan(start, 2 * 48_000, "n4 joined inside the item")
        QueueClusterTests.assertPlays(
            ["n4": try Data(contentsOf: captures.appendingPathComponent("n4.raw"))], exactly: Data(item.reference.dropFirst(start * 4)),
            "the item from sample \(start)", context: String(process.output.suffix(3000)),
            allowingCorrections: JoinMidBroadcastTests.joinerCorrections)
        print("replace: took \(ContinuousClock.now - begun)")
    }
}
