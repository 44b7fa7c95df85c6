import Raft
import XCTest

final class CoreReplicationTests: XCTestCase {
    func testProposalsReplicateAndApplyInOrderEverywhere() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let base = cluster[1].status.lastIndex
        for i in 0..<20 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        let expected = (0..<20).map { payload(UInt8($0)) }
        for id: NodeID in [1, 2, 3] {
            XCTAssertEqual(cluster.applied[id], expected, "node \(id)")
            XCTAssertEqual(cluster[id].status.commit, base + 20)
            XCTAssertEqual(cluster[id].status.applied, base + 20)
        }
    }

    func testCommitReachesIdleFollowersWithoutExtraAnswers() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.tick(3)
        cluster.sent = []
        for i in 0..<10 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        for id: NodeID in [2, 3] { XCTAssertEqual(cluster.applied[id]?.count, 10, "node \(id) learned the commit") }
        let appends = cluster.sent.filter { $0.type == .appendEntries }
        let answers = cluster.sent.filter { $0.type == .appendResponse }
        let commitOnly = appends.filter { $0.entries.isEmpty }
        XCTAssertEqual(appends.count - commitOnly.count, 20, "one append per proposal per follower")
        XCTAssertEqual(answers.count, 20, "commit-only appends are not answered")
        XCTAssertLessThanOrEqual(cluster.sent.count, 44)
        for m in commitOnly { XCTAssertEqual(m.commit, cluster[1].status.commit) }
    }

    func testPayloadStorageIsSharedNotCopied() throws {
        var cluster = try CoreCluster(voters: [1, 2])
        cluster.elect(1)
        let data = payload(9, count: 1 << 20)
        try cluster[1].propose(data)
        let ready = cluster[1].ready()
        let appends = ready.messages.filter { $0.type == .appendEntries && !$0.entries.isEmpty }
        XCTAssertEqual(appends.count, 1)
        data.withUnsafeBufferPointer { original in
            ready.entries.last!.data.withUnsafeBufferPointer { persisted in
                XCTAssertEqual(original.baseAddress, persisted.baseAddress, "Ready.entries shares the payload")
            }
            appends[0].entries.last!.data.withUnsafeBufferPointer { sent in
                XCTAssertEqual(original.baseAddress, sent.baseAddress, "the append message shares the payload")
            }
        }
    }

    func testEntriesOfAnEarlierTermCommitOnlyWithOneOfTheCurrentTerm() throws {
        // Figure 8: node 1 holds entry 2 of term 2 that never reached a quorum.
        // As leader of term 3, a quorum holding entry 2 must not commit it by
        // counting; only entry 3 (term 3) reaching a quorum commits both.
        func storage(_ entries: [Entry]) throws -> MemoryStorage {
            let s = MemoryStorage(confState: ConfState(voters: [1, 2, 3]))
            try s.append(entries)
            try s.setHardState(HardState(term: 2, vote: 0, commit: 1))
            return s
        }
        let e1 = Entry(term: 1, index: 1, data: payload(1))
        let e2 = Entry(term: 2, index: 2, data: payload(2))
        var cluster = try CoreCluster(voters: [])
        try cluster.addNode(1, storage: storage([e1, e2])) { $0.maxSizePerMessage = 1 }  // one entry per append
        try cluster.addNode(2, storage: storage([e1]))
        try cluster.addNode(3, storage: storage([e1]))
        // Node 3 only votes; appends to 2 lose their term-3 entries on the way.
        cluster.filter = { m in
            let isVote = [.requestPreVote, .requestVote, .preVoteResponse, .voteResponse].contains(m.type)
            return isVote || (m.to != 3 && m.from != 3)
        }
        cluster.rewrite = { m in
            var m = m
            if m.type == .appendEntries { m.entries.removeAll { $0.term == 3 } }
            return m
        }
        cluster[1].campaign()
        cluster.stabilize()
        XCTAssertEqual(cluster[1].role, .leader)
        XCTAssertEqual(cluster[1].term, 3)
        XCTAssertEqual(cluster[1].status.progress[2]?.match, 2, "a quorum (1, 2) holds entry 2")
        XCTAssertEqual(cluster[1].status.commit, 1, "entry 2 is of term 2: not committed by counting")
        cluster.filter = nil
        cluster.rewrite = nil
        cluster.tick(1)
        XCTAssertEqual(cluster[1].status.commit, 3, "entry 3 of term 3 commits entry 2 with it")
        XCTAssertEqual(cluster.applied[2], [payload(1), payload(2)])
    }

    func testAppendMessagesRespectMaxSizePerMessage() throws {
        let entrySize = UInt64(100) + Entry.headerAllowance
        var cluster = try CoreCluster(voters: [1, 2]) { $0.maxSizePerMessage = 3 * entrySize }
        cluster.elect(1)
        cluster.isolated = [2]
        for i in 0..<10 { try cluster[1].propose(payload(UInt8(i), count: 100)) }
        cluster.stabilize()
        cluster.isolated = []
        cluster.sent = []
        cluster.tick(1)  // heartbeat → answer → the leader resumes sending
        let appends = cluster.sent.filter { $0.type == .appendEntries && !$0.entries.isEmpty }
        XCTAssertEqual(appends.map(\.entries.count).reduce(0, +), 10)
        for m in appends { XCTAssertLessThanOrEqual(m.payloadSize, 3 * entrySize) }
        XCTAssertEqual(appends.count, 4, "10 entries in batches of at most 3")
        XCTAssertEqual(cluster.applied[2]?.count, 10)
    }

    func testInflightMessageLimitPausesAndAcksResume() throws {
        var cluster = try CoreCluster(voters: [1, 2]) { $0.maxInflightMessages = 2 }
        cluster.elect(1)
        XCTAssertEqual(cluster[1].status.progress[2]?.state, .replicate)
        for i in 0..<5 { try cluster[1].propose(payload(UInt8(i))) }
        let ready = cluster[1].ready()
        let appends = ready.messages.filter { $0.type == .appendEntries }
        XCTAssertEqual(appends.count, 2, "two in flight, then paused")
        XCTAssertEqual(cluster[1].status.progress[2]?.inflightMessages, 2)
        cluster.persist(1, ready)
        cluster.send(ready.messages)
        cluster[1].advance(ready)
        // Deliver only the first append; its ack frees one slot.
        let first = cluster.queue.removeFirst()
        cluster.queue = []
        cluster[2].step(first)
        cluster.processReady(2)
        for m in cluster.queue where m.to == 1 { cluster[1].step(m) }
        cluster.queue = []
        let next = cluster[1].ready().messages.filter { $0.type == .appendEntries && $0.to == 2 }
        XCTAssertFalse(next.isEmpty, "an ack frees a slot")
        XCTAssertLessThanOrEqual(cluster[1].status.progress[2]!.inflightMessages, 2)
    }

    func testInflightByteLimitPausesReplication() throws {
        var cluster = try CoreCluster(voters: [1, 2]) {
            $0.maxSizePerMessage = 1_000
            $0.maxInflightBytes = 1_000
        }
        cluster.elect(1)
        for i in 0..<6 { try cluster[1].propose(payload(UInt8(i), count: 400)) }
        let ready = cluster[1].ready()
        let appends = ready.messages.filter { $0.type == .appendEntries }
        XCTAssertEqual(appends.count, 3, "424 + 424 + 424 bytes reach the 1000-byte budget")
        XCTAssertEqual(cluster[1].status.progress[2]?.inflightBytes, 3 * 424)
        cluster.persist(1, ready)
        cluster.send(ready.messages)
        cluster[1].advance(ready)
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[2]?.count, 6, "acks free the budget and the rest follows")
        XCTAssertEqual(cluster[1].status.progress[2]?.inflightBytes, 0)
    }

    func testLostAppendsInReplicateStateAreRecoveredByHeartbeats() throws {
        var cluster = try CoreCluster(voters: [1, 2]) { $0.maxInflightMessages = 3 }
        cluster.elect(1)
        // Every append to 2 is lost: the inflight window fills up and replication stalls.
        cluster.filter = { !($0.type == .appendEntries && $0.to == 2) }
        for i in 0..<6 { _ = try? cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.progress[2]?.inflightMessages, 3)
        cluster.filter = nil
        cluster.tick(3)
        XCTAssertEqual(cluster.applied[2]?.count, cluster.applied[1]?.count)
        XCTAssertEqual(cluster[2].status.lastIndex, cluster[1].status.lastIndex)
    }

    func testHeartbeatCarriesNoCommitBeyondTheFollowersMatch() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let match3 = cluster[3].status.lastIndex
        cluster.isolated = [3]
        for i in 0..<5 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        cluster.isolated = []
        cluster.sent = []
        cluster[1].tick()
        let ready = cluster[1].ready()
        let heartbeats = ready.messages.filter { $0.type == .heartbeat }
        XCTAssertEqual(heartbeats.first { $0.to == 2 }?.commit, cluster[1].status.commit)
        XCTAssertEqual(heartbeats.first { $0.to == 3 }?.commit, match3, "3 may hold other entries beyond its match")
        XCTAssertLessThan(match3, cluster[1].status.commit)
    }

    func testCandidateStepsDownForALeaderOfItsTerm() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3]) { $0.preVote = false }
        cluster.elect(1)
        cluster.isolated = [2]
        cluster[2].campaign()
        XCTAssertEqual(cluster[2].role, .candidate)
        let term = cluster[2].term
        cluster[2].step(
            Message(
                type: .appendEntries, from: 3, to: 2, term: term, logTerm: 1, index: cluster[2].status.lastIndex,
                commit: 0))
        XCTAssertEqual(cluster[2].role, .follower)
        XCTAssertEqual(cluster[2].leader, 3)
        XCTAssertEqual(cluster[2].term, term)
    }

    func testReportUnreachableFallsBackToProbing() throws {
        var cluster = try CoreCluster(voters: [1, 2])
        cluster.elect(1)
        XCTAssertEqual(cluster[1].status.progress[2]?.state, .replicate)
        cluster[1].reportUnreachable(2)
        XCTAssertEqual(cluster[1].status.progress[2]?.state, .probe)
        try cluster[1].propose(payload(1))
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.progress[2]?.state, .replicate, "the probe's answer restores pipelining")
        XCTAssertEqual(cluster.applied[2], [payload(1)])
    }

    func testUncommittedBytesCapRefusesProposalsUntilCommit() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3]) { $0.maxUncommittedEntriesSize = 1_000 }
        cluster.elect(1)
        cluster.isolated = [2, 3]
        try cluster[1].propose(payload(1, count: 400))
        XCTAssertThrowsError(try cluster[1].propose(payload(2, count: 600))) { error in
            XCTAssertEqual(error as? ProposalError, .uncommittedSizeExceeded)
        }
        try cluster[1].propose(payload(3, count: 400))  // 424 + 424 fit
        XCTAssertThrowsError(try cluster[1].propose(payload(4, count: 400))) { error in
            XCTAssertEqual(error as? ProposalError, .uncommittedSizeExceeded)
        }
        cluster.stabilize()
        cluster.isolated = []
        cluster.tick(1)
        XCTAssertEqual(cluster.applied[1]?.count, 2)
        try cluster[1].propose(payload(5, count: 400))
    }

    func testOversizedProposalIsAcceptedWhenNothingIsUncommitted() throws {
        var cluster = try CoreCluster(voters: [1]) { $0.maxUncommittedEntriesSize = 100 }
        cluster.elect(1)
        cluster.stabilize()
        try cluster[1].propose(payload(1, count: 500))
        XCTAssertThrowsError(try cluster[1].propose(payload(2, count: 10)))
        cluster.stabilize()
        try cluster[1].propose(payload(2, count: 10))
    }

    func testFollowerProposalFailsNamingTheLeader() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        XCTAssertThrowsError(try cluster[2].propose(payload(1))) { error in
            XCTAssertEqual(error as? ProposalError, .notLeader(leader: nil))
        }
        cluster.elect(1)
        XCTAssertThrowsError(try cluster[2].propose(payload(1))) { error in
            XCTAssertEqual(error as? ProposalError, .notLeader(leader: 1))
        }
        XCTAssertThrowsError(try cluster[3].proposeConfChange(ConfChange(.addVoter, node: 4))) { error in
            XCTAssertEqual(error as? ProposalError, .notLeader(leader: 1))
        }
    }

    func testReadyHandsOutWorkOnceAndAdvanceMarksItDone() throws {
        var cluster = try CoreCluster(voters: [1])
        cluster.elect(1)
        let index = try cluster[1].propose(payload(1))
        let first = cluster[1].ready()
        XCTAssertEqual(first.entries.count, 1)
        XCTAssertTrue(first.mustSync)
        let second = cluster[1].ready()
        XCTAssertTrue(second.entries.isEmpty, "not handed out twice")
        cluster.persist(1, first)
        cluster[1].advance(first)
        let third = cluster[1].ready()
        XCTAssertEqual(third.committedEntries.map(\.data), [payload(1)])
        XCTAssertEqual(third.hardState?.commit, index)
        XCTAssertFalse(third.mustSync, "a commit index change alone need not be synced")
        cluster[1].advance(third)
        XCTAssertFalse(cluster[1].hasReady)
        XCTAssertEqual(cluster[1].status.applied, index)
    }

    func testCommittedEntriesPerReadyAreBoundedInBytes() throws {
        var cluster = try CoreCluster(voters: [1]) { $0.maxCommittedSizePerReady = 300 }
        cluster.elect(1)
        cluster.stabilize()
        for i in 0..<5 { try cluster[1].propose(payload(UInt8(i), count: 100)) }
        let append = cluster[1].ready()
        cluster.persist(1, append)
        cluster[1].advance(append)
        var batches: [Int] = []
        for _ in 0..<10 where cluster[1].hasReady {
            let ready = cluster[1].ready()
            if !ready.committedEntries.isEmpty { batches.append(ready.committedEntries.count) }
            cluster[1].advance(ready)
        }
        XCTAssertEqual(batches, [2, 2, 1])
    }
}
