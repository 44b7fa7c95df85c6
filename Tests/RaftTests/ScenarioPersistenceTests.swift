import Raft
import RaftTesting
import XCTest

/// Crashes lose what was not synced and nothing else: committed entries stay
/// whatever the order and the point in the Ready handling nodes crash at.
final class ScenarioPersistenceTests: XCTestCase {
    func testCrashesOfTwoAndThreeOfFiveInDifferentOrders() throws {
        let orders: [[Int]] = [[0, 1, 2], [2, 1, 0], [1, 2, 0]]
        for (round, order) in orders.enumerated() {
            let seed = UInt64(51 + round)
            let sim = try Scenario.cluster(seed: seed, voters: 5)
            var tickets: [ProposalTicket] = []
            tickets.append(try sim.commit("r\(round) first"))
            // Two of five crash (at different points of their Ready handling): the rest commit.
            let leader = try sim.electedLeader()
            let followers = sim.others(than: leader)
            sim.crash(followers[0], at: .afterPersist)
            sim.crash(followers[1], at: .beforePersist)
            tickets.append(try sim.commit("r\(round) with three", on: [leader, followers[2], followers[3]]))
            try sim.run(ticks: 2)
            for id in [followers[0], followers[1]] where sim.isUp(id) { sim.crash(id) }
            // Three crash: the two already down plus the leader or followers, in the order given.
            let third = [leader, followers[2], followers[3]]
            let victims = [followers[0], followers[1], third[order[0]]]
            sim.crash(third[order[0]], at: round == 1 ? .afterSend : .now)
            try sim.run(ticks: 3)
            if sim.isUp(third[order[0]]) { sim.crash(third[order[0]]) }
            let survivors = sim.upNodes
            XCTAssertEqual(survivors.count, 2)
            let stuck = sim.propose(Array("r\(round) no quorum".utf8), at: survivors[0]).ticket
                ?? sim.propose(Array("r\(round) no quorum".utf8), at: survivors[1]).ticket
            try sim.run(ticks: 60)
            if let s = stuck { XCTAssertFalse(sim.isCommitted(s), "committed with 2 of 5 running") }
            // Restart in the given order; with the first restart a majority runs again.
            for k in order { try sim.start(victims[k]) }
            tickets.append(try sim.commit("r\(round) back", within: 100))
            try sim.checkConvergence(maxTicks: 100)
            for t in tickets { XCTAssertTrue(sim.isApplied(t, by: sim.nodeIDs), "round \(round): lost \(t.index)") }
        }
    }

    func testWholeClusterCrashesRepeatedlyAndKeepsEveryCommittedEntry() throws {
        try wholeClusterCrashes(storage: MemoryStorageProvider())
    }

    func testWholeClusterCrashesRepeatedlyOnTheDurableLog() throws {
        // The write-ahead log of module RaftStorage on a simulated disk: a crash is a power loss.
        try wholeClusterCrashes(storage: DurableStorageProvider())
    }

    private func wholeClusterCrashes(storage: any SimStorageProvider) throws {
        let sim = try Simulation(SimulationOptions(
            seed: 55, voters: 3, snapshotInterval: 7, snapshotTail: 2, storage: storage,
            trace: Scenario.tracing, traceLimit: 300))
        var tickets: [ProposalTicket] = []
        var plan = SimRandom(seed: 5555)
        for round in 0..<8 {
            for k in 0..<5 { tickets.append(try sim.commit("round \(round) value \(k)", within: 100)) }
            // Everyone crashes, some in the middle of a Ready.
            for id in sim.nodeIDs { sim.crash(id, at: plan.pick(CrashPoint.allCases)) }
            try sim.run(ticks: 2)
            for id in sim.nodeIDs where sim.isUp(id) { sim.crash(id) }
            var ids = sim.nodeIDs
            ids.shuffle(using: &plan)
            for id in ids {
                try sim.start(id)
                try sim.run(ticks: plan.int(in: 0...5))
            }
        }
        try sim.checkConvergence(maxTicks: 100)
        for t in tickets { XCTAssertTrue(sim.isApplied(t, by: sim.nodeIDs)) }
        XCTAssertGreaterThan(sim.snapshotsTaken, 0)
    }

    func testCrashBeforePersistingLosesOnlyThatReady() throws {
        let sim = try Scenario.cluster(seed: 56)
        let leader = try sim.electedLeader()
        try sim.commit("durable")
        let synced = sim.persistedHardState(of: leader)
        let lastBefore = try XCTUnwrap(sim.storage(of: leader)).lastIndex()
        // The leader crashes while handling the Ready that carries a new entry: it is lost.
        sim.crash(leader, at: .beforePersist)
        let t = sim.propose(Array("lost".utf8), at: leader).ticket
        XCTAssertNotNil(t)
        XCTAssertFalse(sim.isUp(leader))
        try sim.start(leader)
        XCTAssertEqual(try XCTUnwrap(sim.storage(of: leader)).lastIndex(), lastBefore)
        XCTAssertEqual(sim.persistedHardState(of: leader), synced)
        XCTAssertGreaterThanOrEqual(sim.status(of: leader)!.commit, synced.commit)
        try sim.commit("after restart")
        try sim.checkConvergence(maxTicks: 60)
        XCTAssertFalse(sim.isCommitted(t!) && sim.invariants.committedDigest(at: t!.index) == t!.digest)
    }

    func testCrashAfterDurableSnapshotBeforeHardStateSync() throws {
        // Found by the sweep (seed 119368): on the durable log a received snapshot is durable as soon as it
        // is written, while the Ready's hard state (commit = snapshot index) waits for the sync. A power loss
        // in between leaves a snapshot newer than the stored commit, a legal crash state: the node must restart.
        let sim = try Simulation(SimulationOptions(
            seed: 57, voters: 3, snapshotInterval: 5, snapshotTail: 0, storage: DurableStorageProvider(),
            trace: Scenario.tracing, traceLimit: 300))
        let leader = try sim.electedLeader()
        try sim.commit("before")
        let away = sim.others(than: leader)[0]
        sim.network.isolate(away)
        for k in 0..<20 { try sim.commit("while away \(k)", on: sim.others(than: away)) }
        // Catch the leader's snapshot for it, then deliver it alone with a crash due in the Ready it causes.
        sim.interceptor = { m in m.type == .installSnapshot && m.to == away ? .hold : .pass }
        sim.network.healLinks()
        XCTAssertTrue(try sim.run(maxTicks: 40) { !$0.held.isEmpty }, "the leader sent no snapshot to \(away)")
        sim.interceptor = nil
        sim.network.isolate(away)
        sim.crash(away, at: .duringPersist)
        sim.inject(sim.held.removeFirst())
        XCTAssertTrue(try sim.run(maxTicks: 2) { !$0.isUp(away) })
        sim.network.healLinks()
        try sim.start(away)
        try sim.commit("after")
        try sim.checkConvergence(maxTicks: 60)
    }
}
