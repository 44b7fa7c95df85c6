import Raft
import XCTest

final class CoreTransferTests: XCTestCase {
    func testTransferToUpToDateFollower() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster[1].propose(payload(1))
        cluster.stabilize()
        cluster[1].transferLeadership(to: 2)
        XCTAssertEqual(cluster[1].status.leadTransferee, 2)
        XCTAssertEqual(cluster.queued(.timeoutNow, from: 1, to: 2).count, 0, "not sent before the Ready")
        cluster.stabilize()
        XCTAssertEqual(cluster.leaders, [2])
        XCTAssertEqual(cluster[2].term, 2)
        XCTAssertEqual(cluster[1].leader, 2)
        XCTAssertEqual(cluster.sent.filter { $0.type == .timeoutNow }.count, 1)
        XCTAssertTrue(cluster.sent.contains { $0.type == .requestVote && $0.from == 2 }, "transfer skips pre-vote")
    }

    func testTransferToLaggingFollowerCatchesItUpFirstAndRefusesProposals() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let base = cluster[3].status.lastIndex
        cluster.isolated = [3]
        for i in 0..<20 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.commit, base + 20)
        XCTAssertEqual(cluster[3].status.lastIndex, base)
        cluster.isolated = []
        cluster[1].transferLeadership(to: 3)
        XCTAssertThrowsError(try cluster[1].propose(payload(99))) { error in
            XCTAssertEqual(error as? ProposalError, .leadershipTransferInProgress)
        }
        cluster.stabilize()
        // timeoutNow went out only once 3 matched the leader's last index.
        let timeoutNow = cluster.sent.firstIndex { $0.type == .timeoutNow }
        let catchUpAck = cluster.sent.firstIndex { $0.type == .appendResponse && $0.from == 3 && !$0.reject && $0.index == base + 20 }
        XCTAssertNotNil(timeoutNow)
        XCTAssertNotNil(catchUpAck)
        XCTAssertLessThan(catchUpAck!, timeoutNow!)
        XCTAssertEqual(cluster.leaders, [3])
        XCTAssertEqual(cluster.applied[3]?.count, 20)
        try cluster[3].propose(payload(100))
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[1]?.last, payload(100))
    }

    func testTransferIsAbandonedAfterAnElectionTimeout() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolated = [3]
        cluster[1].transferLeadership(to: 3)
        cluster.tick(9, only: [1, 2])
        XCTAssertEqual(cluster[1].status.leadTransferee, 3)
        cluster.tick(1, only: [1, 2])
        XCTAssertEqual(cluster[1].status.leadTransferee, .none)
        XCTAssertEqual(cluster[1].role, .leader, "node 2 keeps the quorum alive")
        try cluster[1].propose(payload(1))
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[2], [payload(1)])
    }

    func testTransferToSelfLearnerOrStrangerIsIgnored() throws {
        var cluster = try CoreCluster(voters: [1, 2], learners: [3])
        cluster.elect(1)
        for target: NodeID in [1, 3, 42] {
            cluster[1].transferLeadership(to: target)
            XCTAssertEqual(cluster[1].status.leadTransferee, .none, "target \(target)")
        }
        cluster[2].transferLeadership(to: 1)  // not the leader: ignored
        XCTAssertEqual(cluster[2].status.leadTransferee, .none)
    }
}
