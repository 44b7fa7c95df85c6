import Raft
import XCTest

final class CoreSnapshotTests: XCTestCase {
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
