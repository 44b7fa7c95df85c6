import Broadcast
import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A 3-node cluster whose nodes run at `ulimit -n 1024` plays a paced broadcast while its leader takes
/// unauthenticated connection attempts on its raft port (5,000 a second asked for) and 2,000 slowloris
/// HTTP connections (issue 13: "Connections are bounded"). The leader stays up and leading in the same
/// term, every node plays every fragment, and `/v1/cluster` answers on every node throughout.
///
/// This is the functional check, on debug builds under CI load: every poll must be answered within the
/// 5 s request timeout and the debug client must reach 1,000 attempts a second. The performance figures
/// of issue 13 (5,000 attempts a second reached, every answer within 1 s) are measured on release builds
/// by `scripts/bench-flood.sh` (`raftcast-bench flood`, the same ``ConnectionFlood`` client) and recorded
/// in BENCHMARKS.md, "Flood".
final class ConnectionFloodTests: XCTestCase {
    /// Request timeout of each `/v1/cluster` poll: an answer within it is an answer.
    let pollTimeout: Duration = .seconds(5)
    /// Raft-port attempts per second the debug client must reach for the flood to count.
    let minimumAttemptsPerSecond = 1000.0
    let stream = "00000000000000f1"
    let floodDuration: Duration = .seconds(6)

    func playLog(_ cluster: LocalCluster, _ node: String) -> [PlayLogRecord] {
        (try? PlayLog.read(path: cluster.directory.appendingPathComponent("data/\(node)/\(PlayLog.fileName)").path)) ?? []
    }

    /// The `Max open files` soft and hard limits of process `pid`.
    func openFilesLimit(pid: Int32) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return [] }
        return Array(line.dropFirst("Max open files".count).split(separator: " ").prefix(2).map(String.init))
    }

    func testLeaderAtUlimit1024KeepsLeadingPlayingAndAnsweringUnderAConnectionFlood() throws {
        // The clients need ~3,500 descriptors: raise this process's soft limit to its hard one.
        let limits = try XCTUnwrap(FileDescriptorLimit.raiseSoftToHard())
        guard limits.after.soft >= 4096 else {
            throw XCTSkip("the test process may open only \(limits.after.soft) files (hard limit); the flood needs 4096")
        }
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-flood-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        // Election timeouts as on a LAN (1-2 s), not the 150-300 ms of the other process tests: the point is
        // that the flood does not cost the leader its role, on a 2-core machine that also runs the flood.
        // A 3 s playout delay (1.5 s by default): the flood client runs in this process on the same 2 cores
        // as three debug-build nodes, and a follower that receives a fragment after its play time joins it
        // mid-way; the point here is that the flood does not stop replication, not debug-build latency.
        let cluster = try LocalCluster(
            size: 3, clusterSettings: ["media_dir: \(PlaybackClusterTests.mediaDirectory)", "playout_delay_ms: 3000"],
            timing: (heartbeat: 100, election: 1000...2000)
        ) { id in ["audio: file:FILE=\(captures.appendingPathComponent("\(id).raw").path),FORMAT=raw"] }
        addTeardownBlock {
            cluster.shutdown(keepFiles: ProcessInfo.processInfo.environment["KEEP_FLOOD_FILES"] != nil)
            try? FileManager.default.removeItem(at: captures)
        }
        for id in cluster.ids { try cluster.start(id, maxOpenFiles: 1024) }
        let leader = try cluster.waitForLeader(among: cluster.ids, timeout: .seconds(20))
        _ = try cluster.waitFor("every node synchronized and its engine idle", timeout: .seconds(20)) { () -> Bool? in
            cluster.ids.allSatisfy { id in
                guard let playback = cluster.json(id, "/v1/playback") else { return false }
                return playback["clock_synchronized"] as? Bool == true && playback["state"] as? String == "idle"
            } ? true : nil
        }
        for id in cluster.ids {
            let pid = try XCTUnwrap(cluster.processes[id]).processIdentifier
            XCTAssertEqual(openFilesLimit(pid: pid), ["1024", "1024"], "\(id) runs at ulimit -n 1024")
        }
        let before = try XCTUnwrap(cluster.report(leader))

        // A paced broadcast of the 12 s sample: it is ingested, committed and played during the flood.
        let started = try cluster.http(
            leader, "POST", "/v1/streams",
            body: Array(#"{"media": "sample.mp3", "id": "\#(stream)", "name": "flooded", "fast": false}"#.utf8),
            headers: ["Content-Type": "application/json"])
        XCTAssertEqual(started.status, 202, started.text)

        // Meanwhile every node answers /v1/cluster (within the request timeout), and keeps the role, leader
        // and term it had before. How fast it answers is the benchmark's figure (scripts/bench-flood.sh).
        let pollers = try cluster.ids.map { id in
            ClusterStatusPoller(
                port: cluster.httpPorts[cluster.index(of: id)], baseline: try XCTUnwrap(cluster.report(id)),
                interval: .milliseconds(100), timeout: pollTimeout, bound: pollTimeout)
        }
        let index = cluster.index(of: leader)
        let client = ConnectionFlood(raftPort: cluster.raftPorts[index], httpPort: cluster.httpPorts[index])
        addTeardownBlock { client.stop() }  // runs before the cluster's teardown
        client.start()
        let start = ContinuousClock.now
        for poller in pollers { poller.start(origin: start) }
        // Pacing of the measurement, not synchronisation: the flood lasts `floodDuration`.
        while ContinuousClock.now - start < floodDuration { usleep(100_000) }
        let summaries = pollers.map { $0.stop() }
        let figures = client.stop()
        let failures = zip(cluster.ids, summaries).flatMap { id, summary in summary.failures.map { "\(id) \($0)" } }
        let polls = summaries.map(\.polls)
        let slowest = summaries.map { $0.latencies.max() ?? 0 }
        print("flood: \(figures); /v1/cluster polls \(polls), slowest ms \(slowest); leader \(leader); files \(cluster.directory.path)")
        XCTAssertEqual(failures, [], "during the flood")
        XCTAssertGreaterThanOrEqual(figures.raftAttemptsPerSecond, minimumAttemptsPerSecond, "raft-port attempts made: \(figures)")
        XCTAssertGreaterThanOrEqual(figures.slowlorisOpened, 2000, "slowloris connections opened")
        XCTAssertGreaterThan(figures.slowlorisClosedByServer, 0, "the node closed slowloris connections")
        for id in cluster.ids { XCTAssertTrue(cluster.processes[id]?.isRunning ?? false, "\(id) is up") }
        let leaderLog = (try? String(contentsOf: cluster.directory.appendingPathComponent("\(leader)-1.log"), encoding: .utf8)) ?? ""
        XCTAssertTrue(leaderLog.contains("open files limit was soft 1024, hard 1024"), "the node logged its limits")
        XCTAssertTrue(leaderLog.contains("refused connection on accept"), "the raft port's caps were reached")
        XCTAssertTrue(leaderLog.contains("(HTTP connections)"), "the HTTP cap was reached")
        XCTAssertFalse(leaderLog.contains("accepting a connection failed"), "no accept failed (EMFILE)")

        // Playback went on: the stream ends, and every node plays every fragment from its first sample.
        let fragments = try cluster.waitFor("the stream ended", timeout: .seconds(30)) { () -> Int? in
            guard let info = cluster.json(leader, "/v1/streams/\(stream)"), info["state"] as? String == "ended" else { return nil }
            return info["committed_fragments"] as? Int
        }
        _ = try cluster.waitFor("every node played every fragment", timeout: .seconds(20)) { () -> Bool? in
            cluster.ids.allSatisfy { node in
                Set(playLog(cluster, node).filter { $0.stream.description == stream }.map(\.fragment)) == Set(0..<fragments)
            } ? true : nil
        }
        for node in cluster.ids {
            let records = playLog(cluster, node).filter { $0.stream.description == stream }
            let partial = records.filter { $0.firstPlayedSample != $0.fragmentFirstSample }
            XCTAssertEqual(
                partial.map(\.fragment), [],
                "\(node) played every fragment whole: \(partial.map { "fragment \($0.fragment) from sample \($0.firstPlayedSample) of \($0.fragmentFirstSample)" })")
        }
        // Same log and applied state everywhere, same leader, same term: no election happened.
        let after = try cluster.waitForSameState(cluster.ids)
        XCTAssertEqual(after.term, before.term)
        XCTAssertEqual(try cluster.waitForLeader(among: cluster.ids), leader)
    }
}
