import Raft
import RaftTesting
import XCTest

/// A follower acknowledges an entry the third node never got; the leader and
/// that follower go down, and the follower's log loses the entry (as `wal
/// repair` of a damaged tail would cut it). Restarted with the operator's
/// consent it neither votes nor campaigns until it has caught up, so the node
/// that lacks the entry cannot be elected; without that, it is, and the
/// simulator's leader-completeness check catches the lost committed entry.
final class ScenarioLogLossTests: XCTestCase {
    private struct Setup {
        var sim: Simulation
        var leader: NodeID
        /// Acknowledged the entry, then lost it.
        var lossy: NodeID
        /// Never got it.
        var behind: NodeID
        var lost: ProposalTicket
    }

    private func lostAcknowledgedEntry(seed: UInt64, storage: any SimStorageProvider, consent: Bool) throws -> Setup {
        let sim = try Simulation(SimulationOptions(seed: seed, voters: 3, storage: storage, trace: Scenario.tracing, traceLimit: 300))
        try sim.commit("before")
        let leader = try sim.electedLeader()
        let followers = sim.others(than: leader)
        let (lossy, behind) = (followers[0], followers[1])
        sim.network.isolate(behind)
        let lost = try sim.commit("acknowledged by \(lossy), then lost", on: [leader, lossy])
        XCTAssertTrue(sim.isCommitted(lost))
        sim.crash(leader)
        sim.crash(lossy)
        try sim.loseLogTail(lossy, keepingUpTo: lost.index - 1, consent: consent)
        sim.network.healLinks()
        try sim.start(lossy)
        XCTAssertEqual(sim.status(of: lossy)?.lastIndex, lost.index - 1, "seed \(seed)")
        try sim.start(behind)
        return Setup(sim: sim, leader: leader, lossy: lossy, behind: behind, lost: lost)
    }

    private func consentedRejoin(storage: @autoclosure () -> any SimStorageProvider) throws {
        for seed: UInt64 in 70..<76 {
            let s = try lostAcknowledgedEntry(seed: seed, storage: storage(), consent: true)
            XCTAssertNotNil(s.sim.status(of: s.lossy)?.logLoss)
            // The two nodes that lack the entry cannot elect a leader: the lossy one does not vote.
            try s.sim.run(ticks: 150)
            XCTAssertNil(s.sim.leader, "seed \(seed): elected a leader that lacks committed entry \(s.lost.index)")
            // With the old leader back, it leads (or the behind node after catching up); the lossy node gets the
            // entry again, catches up, and votes again.
            try s.sim.start(s.leader)
            try s.sim.commit("after", within: 200)
            try s.sim.checkConvergence(maxTicks: 200)
            XCTAssertTrue(s.sim.isApplied(s.lost, by: s.sim.nodeIDs), "seed \(seed)")
            XCTAssertNil(s.sim.status(of: s.lossy)?.logLoss, "seed \(seed): still recovering")
            XCTAssertEqual(s.sim.appState(of: s.lossy).digest, s.sim.appState(of: s.behind).digest)
            // Later elections work with it as a voter.
            s.sim.crash(try s.sim.electedLeader())
            try s.sim.commit("after a failover", within: 200)
        }
    }

    func testConsentedRejoinAfterLosingAnAcknowledgedEntry() throws {
        try consentedRejoin(storage: MemoryStorageProvider())
    }

    func testConsentedRejoinAfterWALRepairOfTheDurableLog() throws {
        try consentedRejoin(storage: DurableStorageProvider())
    }

    func testWithoutConsentTheLossElectsALeaderLackingACommittedEntry() throws {
        var caught = 0
        for seed: UInt64 in 70..<76 {
            let s = try lostAcknowledgedEntry(seed: seed, storage: MemoryStorageProvider(), consent: false)
            do {
                try s.sim.run(ticks: 150)
            } catch {
                XCTAssertTrue(error.description.contains("\(s.lost.index)"), "seed \(seed): \(error)")
                caught += 1
            }
        }
        XCTAssertEqual(caught, 6, "every run elects the node that lacks the entry, and the checker sees it")
    }
}
