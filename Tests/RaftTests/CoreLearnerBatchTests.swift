import Raft
import XCTest

/// ``Config/learnerBatchBytes``: the leader sends learners the entries proposed since its last tick in one
/// append per tick (one write, fsync, answer and apply on the learner instead of one per entry), voters every
/// entry at once; a learner catching up, one promoted to voter and a batch over the byte threshold are sent
/// at once.
final class CoreLearnerBatchTests: XCTestCase {
    /// 3 voters and learners 4 and 5, leader 1, every member in step with the log.
    private func steadyCluster(configure: (inout Config) -> Void = { _ in }) throws -> CoreCluster {
        var cluster = try CoreCluster(voters: [1, 2, 3], learners: [4, 5], configure: configure)
        cluster.elect(1)
        cluster.tick(2)
        XCTAssertEqual(cluster[4].status.applied, cluster[1].status.applied)
        cluster.sent = []
        return cluster
    }

    private func appends(_ cluster: CoreCluster, to peer: NodeID) -> [Message] {
        cluster.sent.filter { $0.type == .appendEntries && $0.to == peer && !$0.entries.isEmpty }
    }

    func testLearnersReceiveTheEntriesOfATickInOneAppendAndVotersEachAtOnce() throws {
        var cluster = try steadyCluster()
        let first = cluster[1].status.lastIndex + 1
        // Ten commits one after the other, as a client waiting for each one.
        for i in 0..<10 {
            try cluster[1].propose(payload(UInt8(i)))
            cluster.stabilize()
            for voter: NodeID in [2, 3] { XCTAssertEqual(cluster.applied[voter]?.count, i + 1, "voter \(voter)") }
        }
        XCTAssertEqual(cluster[1].status.commit, first + 9, "the voters alone commit, at once")
        for learner: NodeID in [4, 5] {
            XCTAssertEqual(cluster.applied[learner], [], "learner \(learner) waits for the tick")
            XCTAssertTrue(cluster.sent.allSatisfy { $0.to != learner && $0.from != learner }, "no traffic with \(learner)")
        }
        for voter: NodeID in [2, 3] { XCTAssertEqual(appends(cluster, to: voter).count, 10, "voter \(voter)") }

        cluster.tick(1, only: [1])
        let expected = (0..<10).map { payload(UInt8($0)) }
        for learner: NodeID in [4, 5] {
            XCTAssertEqual(cluster.applied[learner], expected, "learner \(learner) applied the batch")
            let batch = appends(cluster, to: learner)
            XCTAssertEqual(batch.count, 1, "one append to learner \(learner)")
            XCTAssertEqual(batch.first?.entries.map(\.index), Array(first...first + 9))
            XCTAssertEqual(batch.first?.commit, first + 9, "the batch carries the commit index")
            let fromLearner = cluster.sent.filter { $0.from == learner }
            XCTAssertEqual(fromLearner.map(\.type), [.appendResponse], "one answer from learner \(learner)")
            XCTAssertFalse(
                cluster.sent.contains { $0.type == .heartbeat && $0.to == learner }, "the batch replaces the heartbeat")
        }
        // The voters got their heartbeat; nothing changed for them.
        for voter: NodeID in [2, 3] {
            XCTAssertEqual(cluster.sent.filter { $0.type == .heartbeat && $0.to == voter }.count, 1)
        }
    }

    /// Worst added delay: an entry proposed just after a tick reaches a learner at the next tick; one proposed
    /// just before a tick, not committed yet when it comes, goes with the next tick: at most a tick after
    /// the voters committed it, and the learner applies each batch at once (no commit-only append after it).
    func testALearnerAppliesAnEntryWithinOneTickOfItsProposal() throws {
        var cluster = try steadyCluster()
        // Proposed right after a tick: applied by the learner after the next one.
        try cluster[1].propose(payload(1))
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[4], [])
        cluster.tick(1, only: [1])
        XCTAssertEqual(cluster.applied[4], [payload(1)])

        // Proposed right before the tick, which comes before any voter answered: only the committed entry goes.
        cluster.sent = []
        try cluster[1].propose(payload(2))
        cluster.stabilize()
        let index3 = try cluster[1].propose(payload(3))
        cluster[1].tick()
        XCTAssertLessThan(cluster[1].status.commit, index3, "not committed at the tick")
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.commit, index3)
        for learner: NodeID in [4, 5] {
            XCTAssertEqual(cluster.applied[learner], [payload(1), payload(2)], "learner \(learner): the committed part")
            XCTAssertEqual(appends(cluster, to: learner).map { $0.entries.count }, [1])
            XCTAssertFalse(
                cluster.sent.contains { $0.type == .appendEntries && $0.to == learner && $0.entries.isEmpty },
                "learner \(learner): no commit-only append")
        }
        // The next tick brings the rest.
        cluster.tick(1, only: [1])
        for learner: NodeID in [4, 5] {
            XCTAssertEqual(cluster.applied[learner], [payload(1), payload(2), payload(3)], "learner \(learner)")
        }
    }

    /// Found by the simulator (seed 634 of scripts/simulate.sh): a learner whose batch was lost, with nothing
    /// new committed for it after, was never sent anything again — the heartbeat's answer would resend it for a
    /// voter, and was held back for a batched learner.
    func testABatchLostOnTheWayIsSentAgainAfterTheNextHeartbeatAnswer() throws {
        var cluster = try steadyCluster()
        try cluster[1].propose(payload(1))
        cluster.stabilize()
        cluster.filter = { !($0.to == 4 && $0.type == .appendEntries) }
        cluster.tick(1, only: [1])
        XCTAssertEqual(cluster.applied[4], [])
        XCTAssertEqual(cluster.applied[5], [payload(1)])
        cluster.filter = nil
        // Nothing new to send at the next tick: a heartbeat, whose answer shows that the batch was lost.
        cluster.tick(1, only: [1])
        XCTAssertEqual(cluster.applied[4], [payload(1)])
        XCTAssertEqual(cluster[1].status.progress[4]?.match, cluster[1].status.lastIndex)
    }

    func testABatchOverTheByteThresholdLeavesAtOnce() throws {
        let entry = payload(7, count: 200)
        let perEntry = Entry(term: 1, index: 1, data: entry).accountedSize
        var cluster = try steadyCluster { $0.learnerBatchBytes = 3 * perEntry }
        for i in 0..<2 {
            try cluster[1].propose(entry)
            cluster.stabilize()
            XCTAssertEqual(cluster.applied[4]?.count, 0, "entry \(i + 1): held back")
        }
        try cluster[1].propose(entry)
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[4]?.count, 3, "3 entries reach the threshold: sent without a tick")
        XCTAssertEqual(appends(cluster, to: 4).count, 1)
    }

    func testWithoutBatchingLearnersAreSentEveryEntryAtOnce() throws {
        var cluster = try steadyCluster { $0.learnerBatchBytes = 0 }
        for i in 0..<3 {
            try cluster[1].propose(payload(UInt8(i)))
            cluster.stabilize()
            XCTAssertEqual(cluster.applied[4]?.count, i + 1)
        }
        XCTAssertEqual(appends(cluster, to: 4).count, 3)
    }

    func testALearnerCatchingUpIsSentAsFastAsItAnswers() throws {
        // Small messages: the 40 entries a new learner lacks take 40 appends.
        var cluster = try CoreCluster(voters: [1, 2, 3]) { $0.maxSizePerMessage = 64 }
        cluster.elect(1)
        for i in 0..<40 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        try cluster.addNode(6, confState: ConfState(voters: [1, 2, 3])) { $0.maxSizePerMessage = 64 }
        try cluster[1].proposeConfChange(ConfChange(.addLearner, node: 6))
        cluster.stabilize()
        // One heartbeat round finds the new learner; from there it is sent everything without waiting for ticks.
        cluster.tick(1)
        XCTAssertEqual(cluster.applied[6]?.count, 40)
        XCTAssertEqual(cluster[1].status.progress[6]?.match, cluster[1].status.lastIndex)
    }

    func testAPromotedLearnerIsSentTheEntriesHeldBackForItAtOnce() throws {
        var cluster = try steadyCluster()
        for i in 0..<3 {
            try cluster[1].propose(payload(UInt8(i)))
            cluster.stabilize()
        }
        XCTAssertEqual(cluster.applied[4], [])
        let change = try cluster[1].proposeConfChange(ConfChange(.addVoter, node: 4))
        cluster.stabilize()
        XCTAssertEqual(cluster[1].status.confState.voters, [1, 2, 3, 4])
        XCTAssertGreaterThanOrEqual(cluster[1].status.progress[4]?.match ?? 0, change, "sent without a tick")
        XCTAssertEqual(cluster.applied[4]?.count, 3)
        // As a voter it is sent each entry at once; learner 5 still waits for the tick.
        try cluster[1].propose(payload(9))
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[4]?.last, payload(9))
        XCTAssertEqual(cluster.applied[5], [])
    }
}
