import Raft
import XCTest

final class CoreSnapshotTests: XCTestCase {
    /// Three voters; 3 misses 20 entries, then the leader snapshots and compacts past them.
    private func clusterWithCompactedLeader() throws -> (cluster: CoreCluster, snapshotIndex: UInt64) {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let base = cluster[3].status.lastIndex
        cluster.isolated = [3]
        for i in 0..<20 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        let applied = cluster[1].status.applied
        XCTAssertEqual(applied, base + 20)
        let storage = cluster.storages[1]!
        _ = try storage.createSnapshot(at: applied, confState: cluster[1].status.confState, data: payload(0xAB, count: 64))
        try storage.compact(upTo: applied)
        XCTAssertEqual(try storage.firstIndex(), applied)
        return (cluster, applied)
    }

    func testFollowerBehindTheCompactionPointReceivesTheSnapshotAndContinues() throws {
        var (cluster, snapshotIndex) = try clusterWithCompactedLeader()
        cluster.isolated = []
        cluster.tick(1)
        let snapshots = cluster.sent.filter { $0.type == .installSnapshot }
        XCTAssertEqual(snapshots.count, 1)
        XCTAssertEqual(snapshots.first?.snapshot?.metadata.index, snapshotIndex)
        XCTAssertEqual(cluster.appliedSnapshots[3]?.map(\.data), [payload(0xAB, count: 64)])
        XCTAssertEqual(try cluster.storages[3]!.snapshot().metadata.index, snapshotIndex)
        XCTAssertEqual(cluster[3].status.commit, snapshotIndex)
        XCTAssertEqual(cluster[3].status.applied, snapshotIndex)
        XCTAssertEqual(cluster[1].status.progress[3]?.state, .replicate)
        try cluster[1].propose(payload(200))
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[3], [payload(200)], "continues from the snapshot")
        XCTAssertEqual(cluster[3].status.lastIndex, snapshotIndex + 1)
    }

    func testFailedSnapshotTransferIsRetriedAfterReportSnapshot() throws {
        var (cluster, snapshotIndex) = try clusterWithCompactedLeader()
        cluster.isolated = []
        cluster.filter = { $0.type != .installSnapshot }
        cluster.tick(1)
        XCTAssertEqual(cluster.sent.filter { $0.type == .installSnapshot }.count, 1)
        XCTAssertEqual(cluster[1].status.progress[3]?.state, .snapshot)
        cluster.tick(3)
        XCTAssertEqual(cluster.sent.filter { $0.type == .installSnapshot }.count, 1, "waits for the report")
        cluster[1].reportSnapshot(3, succeeded: false)
        XCTAssertEqual(cluster[1].status.progress[3]?.state, .probe)
        cluster.filter = nil
        cluster.tick(1)
        XCTAssertEqual(cluster.sent.filter { $0.type == .installSnapshot }.count, 2, "sent again")
        XCTAssertEqual(cluster[3].status.commit, snapshotIndex)
        XCTAssertEqual(cluster[1].status.progress[3]?.state, .replicate)
    }

    func testSnapshotIsNotSentToAnInactiveFollower() throws {
        var (cluster, _) = try clusterWithCompactedLeader()
        cluster.tick(10, only: [1, 2])  // a check-quorum period without word from 3
        cluster[1].reportUnreachable(3)
        cluster.tick(1, only: [1, 2])
        XCTAssertEqual(cluster.sent.filter { $0.type == .installSnapshot }.count, 0)
    }

    func testJoiningNodeInstallsASnapshotThatPredatesItsAddition() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        for i in 0..<5 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        let applied = cluster[1].status.applied
        let storage = cluster.storages[1]!
        _ = try storage.createSnapshot(at: applied, confState: cluster[1].status.confState, data: payload(0xCD))
        try storage.compact(upTo: applied)
        try cluster.addNode(4, confState: ConfState())
        try cluster[1].proposeConfChange(ConfChange(.addLearner, node: 4))
        cluster.stabilize()
        cluster.tick(2)
        XCTAssertEqual(cluster.appliedSnapshots[4]?.map(\.metadata.index), [applied])
        XCTAssertEqual(cluster[4].status.confState, ConfState(voters: [1, 2, 3], learners: [4]))
        XCTAssertEqual(cluster[4].role, .learner)
        XCTAssertEqual(cluster[4].status.applied, cluster[1].status.applied)
    }

    func testFollowerIgnoresSnapshotNotNewerThanItsCommit() throws {
        var cluster = try CoreCluster(voters: [1, 2])
        cluster.elect(1)
        for i in 0..<5 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        let before = cluster[2].status
        XCTAssertEqual(before.commit, before.lastIndex)
        let stale = Snapshot(
            metadata: SnapshotMetadata(index: 4, term: 1, confState: ConfState(voters: [1, 2])), data: payload(1))
        cluster[2].step(Message(type: .installSnapshot, from: 1, to: 2, term: 1, snapshot: stale))
        let ready = cluster[2].ready()
        XCTAssertNil(ready.snapshot)
        XCTAssertEqual(ready.messages.map(\.type), [.appendResponse])
        XCTAssertEqual(ready.messages.first?.index, before.commit, "answers with its commit index")
        XCTAssertEqual(cluster[2].status.lastIndex, before.lastIndex)
    }

    func testSnapshotMatchingTheLogOnlyAdvancesCommit() throws {
        var cluster = try CoreCluster(voters: [1, 2])
        cluster.elect(1)
        for i in 0..<5 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.filter = { $0.type != .heartbeat && !($0.type == .appendEntries && $0.entries.isEmpty) }
        cluster.stabilize()
        // Follower 2 holds every entry but may not know all are committed.
        let last = cluster[2].status.lastIndex
        let snapshot = Snapshot(
            metadata: SnapshotMetadata(index: last, term: 1, confState: ConfState(voters: [1, 2])), data: payload(1))
        cluster[2].step(Message(type: .installSnapshot, from: 1, to: 2, term: 1, snapshot: snapshot))
        let ready = cluster[2].ready()
        XCTAssertNil(ready.snapshot, "its log already holds the snapshot's last entry")
        XCTAssertEqual(cluster[2].status.commit, last)
        XCTAssertEqual(cluster[2].status.lastIndex, last)
    }
}
