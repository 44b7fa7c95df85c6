import Foundation
import Node
import XCTest

/// Real `raftcast node` processes on loopback: election, replication through
/// the propose endpoint, SIGKILL of the leader, restart and catch-up, a
/// follower cut off with SIGSTOP, snapshot catch-up, clean SIGTERM.
final class ClusterProcessTests: XCTestCase {
    func makeCluster(size: Int, extraArguments: [String] = []) throws -> LocalCluster {
        let cluster = try LocalCluster(size: size, extraArguments: extraArguments, debugPropose: true)
        addTeardownBlock { cluster.shutdown(keepFiles: false) }
        return cluster
    }

    func testThreeNodesElectReplicateFailOverRestartAndStopCleanly() throws {
        let cluster = try makeCluster(size: 3)
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)

        var last: UInt64 = 0
        for i in 0..<10 { last = try cluster.propose(Array("entry-\(i)".utf8), leader: leader) }
        let before = try cluster.waitForSameState(cluster.ids, atLeast: last)
        XCTAssertGreaterThanOrEqual(before.appliedIndex, last)

        // `raftcast status` sees all three and the one leader.
        let status = try runRaftcast(["status", "--config", cluster.configPath, "--json"])
        XCTAssertEqual(status.status, 0, status.stderr)
        let rows = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]] ?? []
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows.compactMap { ($0["status"] as? [String: Any])?["role"] as? String }.filter { $0 == "leader" }.count, 1)

        // Kill the leader: the other two elect a new one and keep committing.
        cluster.kill9(leader)
        let survivors = cluster.ids.filter { $0 != leader }
        let newLeader = try cluster.waitForLeader(among: survivors)
        XCTAssertNotEqual(newLeader, leader)
        let table = try runRaftcast(["status", "--config", cluster.configPath])
        XCTAssertEqual(table.status, 0)
        XCTAssertTrue(table.stdout.contains("UNREACHABLE"), table.stdout)
        for i in 0..<5 { last = try cluster.propose(Array("after-\(i)".utf8), leader: newLeader) }

        // The killed node restarts from its WAL and catches up to the same log.
        try cluster.start(leader)
        let caughtUp = try cluster.waitForSameState(cluster.ids, atLeast: last)
        XCTAssertGreaterThan(caughtUp.term, before.term)

        // SIGTERM: every node exits 0 promptly; restarted, the log is all there.
        for id in cluster.ids { XCTAssertEqual(cluster.terminate(id, timeout: .seconds(5)), 0, "node \(id) exit status") }
        try cluster.startAll()
        let again = try cluster.waitForLeader(among: cluster.ids)
        let restarted = try cluster.waitForSameState(cluster.ids, atLeast: caughtUp.appliedIndex + 1)
        XCTAssertGreaterThan(restarted.appliedCount, caughtUp.appliedCount)
        last = try cluster.propose(Array("after-restart".utf8), leader: again)
        try cluster.waitForSameState(cluster.ids, atLeast: last)
    }

    func testFiveNodesCutOffFollowerAndSnapshotCatchUp() throws {
        let cluster = try makeCluster(
            size: 5, extraArguments: ["--snapshot-entries", "20", "--snapshot-keep", "5"])
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let followers = cluster.ids.filter { $0 != leader }

        // A follower frozen by SIGSTOP misses writes, then catches up.
        let frozen = followers[0]
        cluster.signal(frozen, SIGSTOP)
        var last: UInt64 = 0
        for i in 0..<8 { last = try cluster.propose(Array("while-frozen-\(i)".utf8), leader: leader) }
        cluster.signal(frozen, SIGCONT)
        try cluster.waitForSameState(cluster.ids, atLeast: last)

        // A follower killed while the others write and compact far past it
        // comes back and gets a snapshot.
        let behind = followers[1]
        cluster.kill9(behind)
        for i in 0..<60 { last = try cluster.propose(Array(repeating: UInt8(i), count: 100), leader: leader) }
        let leaderReport = try XCTUnwrap(cluster.report(leader))
        XCTAssertGreaterThan(leaderReport.snapshotIndex, 0)
        try cluster.start(behind)
        let state = try cluster.waitForSameState(cluster.ids, atLeast: last)
        XCTAssertGreaterThanOrEqual(state.appliedIndex, last)
        let metrics = try cluster.metrics(behind)
        let installed = metrics.split(separator: "\n").first { $0.hasPrefix("raftcast_snapshots_installed_total ") }
        XCTAssertGreaterThanOrEqual(installed.flatMap { Double($0.split(separator: " ")[1]) } ?? 0, 1, metrics)
    }
}
