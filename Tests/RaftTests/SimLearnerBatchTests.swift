import Raft
import RaftTesting
import XCTest

/// ``Config/learnerBatchBytes`` in the simulator (50 ms ticks, 1–5 ms links): with entries proposed every
/// 7 ms, learners apply each one at most a tick (plus a few link delays) after its proposal — far below the
/// playout delay (500 ms by default) — and answer a batch per tick instead of every entry.
final class SimLearnerBatchTests: XCTestCase {
    private struct Run {
        /// Milliseconds from each proposal to its application by the leader.
        var leader: [UInt64] = []
        /// Milliseconds from each proposal to its application by each learner.
        var learners: [UInt64] = []
        /// Append answers over the workload (voters' and learners').
        var appendResponses = 0
    }

    private func run(seed: UInt64, batchBytes: UInt64) throws -> Run {
        let sim = try Simulation(
            SimulationOptions(seed: seed, voters: 3, capacity: 5, configure: { $0.learnerBatchBytes = batchBytes }))
        let leader = try XCTUnwrap(try sim.waitForLeader(maxTicks: 100))
        try sim.run(ticks: 3)  // the leader's first entry applied: a membership change may follow
        let learners: [NodeID] = [4, 5]
        for node in learners {
            try sim.start(node)
            var change = ConfChange(.addLearner, node: node)
            change.context = SimMember(node: node, address: SimMember.defaultAddress(of: node), isVoter: false).encoded
            XCTAssertNotNil(sim.proposeConfChange(change, at: leader).ticket)
            let joined = try sim.run(maxTicks: 40) {
                $0.appState(of: leader).confState.learners.contains(node)
                    && $0.appliedIndex(of: node) == $0.appliedIndex(of: leader)
            }
            XCTAssertTrue(joined, "seed \(seed): learner \(node) caught up")
        }
        try sim.run(ticks: 2)
        sim.resetMessageCounts()

        var proposedAt: [UInt64: UInt64] = [:]
        var appliedAt: [NodeID: [UInt64: UInt64]] = [:]
        var seen: [NodeID: UInt64] = [:]
        for node in [leader] + learners { seen[node] = sim.appliedIndex(of: node) }
        let end = sim.now + 2_000
        var nextProposal = sim.now
        try sim.run(maxTicks: 50) { sim in
            if sim.now >= nextProposal && sim.now < end {
                if let ticket = sim.propose([UInt8](repeating: 1, count: 200), at: leader).ticket {
                    proposedAt[ticket.index] = sim.now
                }
                nextProposal = sim.now + 7
            }
            for node in [leader] + learners {
                let applied = sim.appliedIndex(of: node)
                while seen[node]! < applied {
                    seen[node]! += 1
                    appliedAt[node, default: [:]][seen[node]!] = sim.now
                }
            }
            return false
        }
        var result = Run()
        result.appendResponses = sim.messages(of: .appendResponse)
        XCTAssertGreaterThan(proposedAt.count, 100, "seed \(seed)")
        XCTAssertEqual(sim.leader, leader, "seed \(seed)")
        for (index, at) in proposedAt {
            result.leader.append(try XCTUnwrap(appliedAt[leader]?[index], "seed \(seed): leader applied \(index)") - at)
            for node in learners {
                result.learners.append(try XCTUnwrap(appliedAt[node]?[index], "seed \(seed): \(node) applied \(index)") - at)
            }
        }
        return result
    }

    func testLearnersApplyEveryEntryWithinATickOfItsProposalAndAnswerOncePerTick() throws {
        let tick = SimulationOptions(seed: 0).tickMilliseconds
        let maxDelay = SimNetwork.Conditions.reliable.maxDelay
        for seed: UInt64 in 1...5 {
            let batched = try run(seed: seed, batchBytes: Config(id: 1).learnerBatchBytes)
            let eager = try run(seed: seed, batchBytes: 0)
            let worst = batched.learners.max() ?? 0
            print(
                "seed \(seed): learner delay ms max \(worst) (eager \(eager.learners.max() ?? 0)), leader max \(batched.leader.max() ?? 0); append answers \(batched.appendResponses) (eager \(eager.appendResponses))")
            // The tick's wait, the batch's trip, and when the voters had not committed it yet, their round trip
            // and the commit-only append's trip.
            XCTAssertLessThanOrEqual(worst, tick + 4 * maxDelay, "seed \(seed)")
            XCTAssertGreaterThan(worst, tick / 2, "seed \(seed): the learners do wait for the tick")
            // The voters are not affected: the leader applies an entry after one round trip to them.
            XCTAssertLessThanOrEqual(batched.leader.max() ?? 99, 2 * maxDelay, "seed \(seed)")
            XCTAssertLessThanOrEqual(eager.leader.max() ?? 99, 2 * maxDelay, "seed \(seed)")
            // Eager: every learner answers every entry (as many answers as the voters'); batched, about once per
            // 50 ms tick (7 entries).
            XCTAssertLessThan(batched.appendResponses * 10, eager.appendResponses * 7, "seed \(seed)")
        }
    }
}
