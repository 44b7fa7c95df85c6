import Raft
import XCTest

final class CoreElectionTests: XCTestCase {
    func testSingleVoterElectsItselfAndCommitsAfterPersisting() throws {
        var cluster = try CoreCluster(voters: [1])
        cluster.elect(1)
        XCTAssertEqual(cluster[1].role, .leader)
        XCTAssertEqual(cluster[1].term, 1)
        let index = try cluster[1].propose(payload(7))
        // Not persisted yet: the leader must not count its own unwritten entry.
        XCTAssertLessThan(cluster[1].status.commit, index)
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.commit, index)
        XCTAssertEqual(cluster.applied[1], [payload(7)])
    }

    func testThreeVotersElectExactlyOneLeaderByTicking() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        var ticks = 0
        while cluster.leaders.isEmpty && ticks < 100 {
            cluster.tick()
            ticks += 1
        }
        XCTAssertEqual(cluster.leaders.count, 1)
        let leader = cluster.leaders[0]
        XCTAssertGreaterThanOrEqual(ticks, 10, "no election before the minimum timeout")
        for id: NodeID in [1, 2, 3] {
            XCTAssertEqual(cluster[id].leader, leader)
            XCTAssertEqual(cluster[id].term, cluster[leader].term)
        }
        // The initial membership (3 entries) and the new leader's empty entry commit everywhere.
        XCTAssertEqual(cluster[leader].status.commit, 4)
        XCTAssertEqual(cluster[2].status.commit, 4)
    }

    func testRandomizedElectionTimeoutStaysInRangeAndFollowsTheSeed() throws {
        func ticksUntilCampaign(seed: UInt64) throws -> Int {
            var config = Config(id: 1)
            config.randomSeed = seed
            var node = try RaftNode(config: config, storage: MemoryStorage(confState: ConfState(voters: [1, 2, 3])))
            for tick in 1...100 {
                node.tick()
                if node.role == .preCandidate { return tick }
            }
            return -1
        }
        var seen = Set<Int>()
        for seed: UInt64 in 0..<40 {
            let ticks = try ticksUntilCampaign(seed: seed)
            XCTAssert((10..<20).contains(ticks), "seed \(seed): campaigned after \(ticks) ticks")
            XCTAssertEqual(ticks, try ticksUntilCampaign(seed: seed), "same seed, same timeout")
            seen.insert(ticks)
        }
        XCTAssertGreaterThan(seen.count, 4, "timeouts are spread out: \(seen.sorted())")
    }

    func testPreVoteOfAPartitionedNodeDoesNotRaiseTerms() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        XCTAssertEqual(cluster[1].term, 1)
        cluster.isolated = [3]
        cluster.tick(60, only: [3])
        XCTAssertEqual(cluster[3].term, 1, "pre-vote rounds keep the term")
        XCTAssertEqual(cluster[3].role, .preCandidate)
        cluster.isolated = []
        cluster.tick(3)
        XCTAssertEqual(cluster[1].role, .leader)
        XCTAssertEqual(cluster[1].term, 1, "the rejoining node did not disrupt the leader")
        XCTAssertEqual(cluster[3].role, .follower)
        XCTAssertEqual(cluster[3].leader, 1)
    }

    func testWithoutPreVoteAPartitionedNodeRaisesItsTerm() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3]) { $0.preVote = false }
        cluster.elect(1)
        cluster.isolated = [3]
        cluster.tick(60, only: [3])
        XCTAssertGreaterThan(cluster[3].term, 2, "each timeout starts a real election")
    }

    func testCheckQuorumLeaderStepsDownWhenCutOff() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolated = [1]
        cluster.tick(9, only: [1])
        XCTAssertEqual(cluster[1].role, .leader, "still within the first check-quorum period")
        cluster.tick(11, only: [1])
        XCTAssertEqual(cluster[1].role, .follower)
        XCTAssertEqual(cluster[1].leader, .none)
        XCTAssertEqual(cluster[1].term, 1)
    }

    func testLeaderWithoutCheckQuorumStaysWhenCutOff() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3]) { $0.checkQuorum = false }
        cluster.elect(1)
        cluster.isolated = [1]
        cluster.tick(50, only: [1])
        XCTAssertEqual(cluster[1].role, .leader)
    }

    func testFollowersInLeaseRefuseVotesButNotTransferCampaigns() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let lastIndex = cluster[2].status.lastIndex
        // Node 3 (say, just back from a partition, pre-vote off) asks node 2 for a vote at term 5.
        cluster[2].step(
            Message(type: .requestVote, from: 3, to: 2, term: 5, logTerm: 1, index: lastIndex))
        XCTAssertFalse(cluster[2].hasReady, "ignored without an answer")
        XCTAssertEqual(cluster[2].term, 1)
        XCTAssertEqual(cluster[2].leader, 1)
        cluster[2].step(
            Message(type: .requestPreVote, from: 3, to: 2, term: 5, logTerm: 1, index: lastIndex))
        XCTAssertFalse(cluster[2].hasReady)
        // The leader itself holds the lease too.
        cluster[1].step(Message(type: .requestVote, from: 3, to: 1, term: 5, logTerm: 1, index: lastIndex))
        XCTAssertEqual(cluster[1].role, .leader)
        XCTAssertEqual(cluster[1].term, 1)
        // A campaign forced by a leadership transfer bypasses the lease.
        cluster[2].step(
            Message(type: .requestVote, from: 3, to: 2, term: 5, logTerm: 1, index: lastIndex, context: 1))
        XCTAssertEqual(cluster[2].term, 5)
        let ready = cluster[2].ready()
        XCTAssertEqual(ready.hardState?.vote, 3)
        XCTAssertEqual(ready.messages.map(\.type), [.voteResponse])
        XCTAssertEqual(ready.messages.first?.reject, false)
    }

    func testFollowerOutOfLeaseGrantsVoteToUpToDateCandidateOnly() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.tick(10, only: [2])  // no word from the leader for an election timeout
        let lastIndex = cluster[2].status.lastIndex
        cluster[2].step(Message(type: .requestVote, from: 3, to: 2, term: 4, logTerm: 1, index: lastIndex - 1))
        var ready = cluster[2].ready()
        XCTAssertEqual(ready.messages.first?.reject, true, "candidate's log is behind")
        XCTAssertEqual(cluster[2].term, 4, "a real vote request raises the term")
        cluster[2].advance(ready)
        cluster[2].step(Message(type: .requestVote, from: 3, to: 2, term: 4, logTerm: 1, index: lastIndex))
        ready = cluster[2].ready()
        XCTAssertEqual(ready.messages.first?.reject, false)
        XCTAssertEqual(ready.hardState?.vote, 3)
        XCTAssertTrue(ready.mustSync, "the vote must reach disk before the answer is sent")
    }

    func testPreVoteRequestNeverChangesTheVotersTerm() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.tick(10, only: [2])
        let lastIndex = cluster[2].status.lastIndex
        cluster[2].step(Message(type: .requestPreVote, from: 3, to: 2, term: 9, logTerm: 1, index: lastIndex))
        let ready = cluster[2].ready()
        XCTAssertEqual(cluster[2].term, 1)
        XCTAssertEqual(ready.messages.first?.type, .preVoteResponse)
        XCTAssertEqual(ready.messages.first?.reject, false)
        XCTAssertEqual(ready.messages.first?.term, 9, "answered in the term asked about")
        XCTAssertNil(ready.hardState, "nothing durable changes")
    }

    func testStaleAndForeignMessagesAreIgnored() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster[1].transferLeadership(to: 2)
        cluster.stabilize()
        XCTAssertEqual(cluster.leaders, [2])
        let before = cluster[3].status
        XCTAssertEqual(before.term, 2)
        // Stale term: the old leader's append is not applied, only answered with our term.
        cluster[3].step(
            Message(
                type: .appendEntries, from: 1, to: 3, term: 1, logTerm: 1, index: before.lastIndex,
                entries: [Entry(term: 1, index: before.lastIndex + 1)]))
        XCTAssertEqual(cluster[3].status.lastIndex, before.lastIndex)
        let answer = cluster[3].ready().messages
        XCTAssertEqual(answer.map(\.type), [.appendResponse])
        XCTAssertEqual(answer.first?.term, 2)
        // Addressed to someone else, from nobody, or with a gap in its entries.
        cluster[3].step(Message(type: .appendEntries, from: 2, to: 1, term: before.term, index: before.lastIndex,
                                entries: [Entry(term: before.term, index: before.lastIndex + 1)]))
        cluster[3].step(Message(type: .heartbeat, from: 0, to: 3, term: 99))
        cluster[3].step(
            Message(
                type: .appendEntries, from: 2, to: 3, term: before.term, logTerm: before.term,
                index: before.lastIndex, entries: [Entry(term: before.term, index: before.lastIndex + 2)]))
        cluster[3].step(Message(type: .installSnapshot, from: 2, to: 3, term: before.term))
        cluster[3].step(Message(type: .appendEntries, from: 2, to: 3, term: UInt64.max, index: UInt64.max))
        cluster[3].step(Message(type: .heartbeat, from: 2, to: 3, term: before.term, commit: 1_000))
        let after = cluster[3].status
        XCTAssertEqual(after.term, before.term)
        XCTAssertEqual(after.lastIndex, before.lastIndex)
        XCTAssertEqual(after.commit, before.commit)
        XCTAssertEqual(after.leader, 2)
    }

    func testStaleLeaderLearnsNewTermFromAppendAnswerAndStepsDown() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolated = [1]
        // 2 or 3 times out and wins without 1 (bounded: a split vote may take a round).
        for _ in 0..<100 where !cluster.leaders.contains(where: { $0 != 1 }) { cluster.tick(1, only: [2, 3]) }
        XCTAssertEqual(cluster.leaders.count, 2, "the cut-off leader does not know yet")
        let newLeader = cluster.leaders.first { $0 != 1 }!
        cluster.isolated = []
        _ = try? cluster[1].propose(payload(1))  // its append reaches the others
        cluster.stabilize()
        XCTAssertEqual(cluster.leaders, [newLeader])
        XCTAssertEqual(cluster[1].role, .follower)
        cluster.tick(1)  // the next heartbeat names the leader
        XCTAssertEqual(cluster[1].leader, newLeader)
        XCTAssertEqual(cluster[1].term, cluster[newLeader].term)
    }
}
