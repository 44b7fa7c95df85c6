import Raft
import XCTest

final class CoreMembershipTests: XCTestCase {
    func testLearnerReceivesTheLogButNeverCountsOrCampaigns() throws {
        // Every entry sent at once, even uncommitted (no batching: CoreLearnerBatchTests), so that the learner's
        // acknowledgement of an entry no quorum holds can be seen not to count.
        var cluster = try CoreCluster(voters: [1, 2], learners: [3]) { $0.learnerBatchBytes = 0 }
        XCTAssertEqual(cluster[3].role, .learner)
        cluster.elect(1)
        try cluster[1].propose(payload(1))
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[3], [payload(1)])
        XCTAssertEqual(cluster[1].status.progress[3]?.isLearner, true)
        // Without voter 2, the learner's acknowledgement does not make a quorum.
        cluster.isolated = [2]
        let index = try cluster[1].propose(payload(2))
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.progress[3]?.match, index)
        XCTAssertLessThan(cluster[1].status.commit, index)
        // A learner never campaigns, however long it hears nothing.
        cluster.isolated = [1, 2]
        cluster.sent = []
        cluster.tick(100, only: [3])
        XCTAssertEqual(cluster[3].role, .learner)
        XCTAssertEqual(cluster[3].term, 1)
        XCTAssertTrue(cluster.sent.allSatisfy { $0.from != 3 })
        // Its (pre-)vote answers do not count either.
        cluster[1].campaign()
        XCTAssertEqual(cluster[1].role, .leader, "campaign is a no-op on the leader")
    }

    func testLearnerForgetsALeaderItHasNotHeardFromForAnElectionTimeout() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3], learners: [4])
        cluster.elect(1)
        cluster.stabilize()
        XCTAssertEqual(cluster[4].status.leader, 1)
        // Heartbeats keep the leader known, however long.
        for _ in 0..<40 {
            cluster.tick()
            cluster.stabilize()
        }
        XCTAssertEqual(cluster[4].status.leader, 1)
        // The leader and a second voter die: no quorum, no election can win; the learner says it has no leader
        // within two election timeouts (the randomized timeout's upper bound), and still does not campaign.
        cluster.isolated = [1, 2]
        cluster.sent = []
        cluster.tick(2 * Config(id: 4).electionTick, only: [4])
        XCTAssertEqual(cluster[4].status.leader, .none)
        XCTAssertEqual(cluster[4].role, .learner)
        XCTAssertTrue(cluster.sent.allSatisfy { $0.from != 4 })
        // A leader's next message makes it known again.
        cluster.isolated = []
        cluster.tick(Config(id: 1).heartbeatTick, only: [1])
        XCTAssertEqual(cluster[4].status.leader, 1)
    }

    func testLearnerVoteIsNotCountedByACandidate() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3], learners: [4])
        cluster.filter = { m in m.from != 3 && m.to != 3 && m.from != 2 && m.to != 2 }
        cluster.elect(1)
        XCTAssertEqual(cluster[1].role, .preCandidate, "1 and learner 4 are not a quorum of 3 voters")
        XCTAssertTrue(cluster.sent.allSatisfy { $0.to != 4 }, "no vote requests to learners")
    }

    func testFirstLeaderRecordsTheInitialMembershipSoAnEmptyJoinerLearnsIt() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3], learners: [5])
        cluster.elect(1)
        let bootstrap = try cluster.storages[2]!.entries(from: 1, to: 5, maxBytes: .max)
        XCTAssertEqual(
            bootstrap.map { ConfChange(encoded: $0.data) },
            [ConfChange(.addVoter, node: 1), ConfChange(.addVoter, node: 2), ConfChange(.addVoter, node: 3),
             ConfChange(.addLearner, node: 5)])
        XCTAssertEqual(cluster[2].status.confState, ConfState(voters: [1, 2, 3], learners: [5]), "a no-op here")
        // Node 4 starts knowing nothing of the cluster; it cannot campaign.
        try cluster.addNode(4, confState: ConfState())
        cluster.tick(30, only: [4])
        XCTAssertEqual(cluster[4].term, 0)
        try cluster[1].proposeConfChange(ConfChange(.addLearner, node: 4))
        cluster.stabilize()
        cluster.tick(1)
        XCTAssertEqual(cluster[4].status.confState, ConfState(voters: [1, 2, 3], learners: [4, 5]))
        XCTAssertEqual(cluster[4].role, .learner)
    }

    /// The leader's last message to a member it removes carries the commit index of the removal, so the
    /// removed node applies its own removal (and the application stops it) instead of never learning it.
    func testARemovedMemberLearnsThatItsRemovalCommitted() throws {
        for removed: NodeID in [2, 4] {
            var cluster = try CoreCluster(voters: [1, 2, 3], learners: [4])
            cluster.elect(1)
            try cluster[1].propose(payload(1))
            cluster.stabilize()
            // Its acknowledgement of the change is lost: the leader commits and applies without it, so only
            // the last message tells it the change committed.
            cluster.filter = { $0.from != removed }
            let index = try cluster[1].proposeConfChange(ConfChange(.remove, node: removed))
            cluster.stabilize()
            XCTAssertFalse(cluster[1].status.confState.members.contains(removed))
            XCTAssertGreaterThanOrEqual(cluster[removed].status.commit, index, "node \(removed) learned the commit")
            XCTAssertGreaterThanOrEqual(cluster[removed].status.applied, index)
            XCTAssertFalse(cluster[removed].status.confState.members.contains(removed), "node \(removed) applied its removal")
            // Nothing is sent to it afterwards.
            cluster.filter = nil
            cluster.sent = []
            try cluster[1].propose(payload(2))
            cluster.stabilize()
            cluster.tick(5)
            XCTAssertTrue(cluster.sent.allSatisfy { $0.to != removed || $0.from == removed }, "\(cluster.sent.filter { $0.to == removed })")
        }
    }

    /// A learner's catch-up is bounded by `maxLearnerInflightBytes`, a voter's by `maxInflightBytes`; a
    /// promotion moves the learner to the voters' bound.
    func testALearnersInflightBytesAreBoundedApart() throws {
        var cluster = try CoreCluster(voters: [1, 2], learners: [3]) { config in
            config.maxSizePerMessage = 1_000
            config.maxInflightBytes = 100_000
            config.maxLearnerInflightBytes = 4_000
            config.learnerBatchBytes = 0  // every entry at once, as while catching up
        }
        cluster.elect(1)
        // Nothing delivered yet: what is in flight grows to each bound and stops.
        for i in 0..<60 { try cluster[1].propose(payload(UInt8(i), count: 900)) }
        while cluster.processReady(1) {}
        let progress = cluster[1].status.progress
        XCTAssertLessThanOrEqual(progress[3]!.inflightBytes, 4_000 + 1_000)
        XCTAssertGreaterThan(progress[3]!.inflightBytes, 2_000)
        XCTAssertGreaterThan(progress[2]!.inflightBytes, 20_000, "the voter is not held to the learner's bound")
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.progress[3]!.match, cluster[1].status.lastIndex, "it catches up, paced by its acks")
        try cluster[1].proposeConfChange(ConfChange(.addVoter, node: 3))
        cluster.stabilize()
        for i in 0..<60 { try cluster[1].propose(payload(UInt8(i), count: 900)) }
        while cluster.processReady(1) {}
        XCTAssertGreaterThan(cluster[1].status.progress[3]!.inflightBytes, 20_000, "promoted: the voters' bound")
    }

    func testInvalidConfChangesAreRefusedWithAReason() throws {
        var cluster = try CoreCluster(voters: [1, 2], learners: [3])
        cluster.elect(1)
        cluster.stabilize()
        let cases: [(ConfChange, String)] = [
            (ConfChange(.addVoter, node: 2), "node 2 is already a voter"),
            (ConfChange(.addLearner, node: 3), "node 3 is already a learner"),
            (ConfChange(.remove, node: 9), "node 9 is not a member"),
            (ConfChange(.addVoter, node: 0), "node id 0 is reserved for \"no node\""),
            (ConfChange(.addLearner, node: 1), "the leader cannot demote itself; transfer leadership first"),
        ]
        for (change, reason) in cases {
            XCTAssertThrowsError(try cluster[1].proposeConfChange(change)) { error in
                XCTAssertEqual(error as? ProposalError, .invalidConfChange(reason))
            }
        }
        var single = try CoreCluster(voters: [1])
        single.elect(1)
        single.stabilize()
        XCTAssertThrowsError(try single[1].proposeConfChange(ConfChange(.remove, node: 1))) { error in
            XCTAssertEqual(error as? ProposalError, .invalidConfChange("cannot remove the last voter 1"))
        }
    }

    func testNewLeaderRefusesConfChangeUntilItsTermHasAnAppliedEntry() throws {
        var fresh = try CoreCluster(voters: [1, 2, 3])
        fresh.nodes[1]!.campaign()
        for _ in 0..<4 {
            for id: NodeID in [1, 2, 3] where fresh[id].hasReady {
                let ready = fresh[id].ready()
                fresh.persist(id, ready)
                fresh.send(ready.messages)
                fresh[id].advance(ready)
            }
            let batch = fresh.queue
            fresh.queue = []
            for m in batch { fresh[m.to].step(m) }
            if fresh[1].role == .leader { break }
        }
        XCTAssertEqual(fresh[1].role, .leader)
        XCTAssertThrowsError(try fresh[1].proposeConfChange(ConfChange(.addLearner, node: 4))) { error in
            XCTAssertEqual(error as? ProposalError, .confChangePending)
        }
        fresh.stabilize()
        XCTAssertNoThrow(try fresh[1].proposeConfChange(ConfChange(.addLearner, node: 4)))
    }
}
