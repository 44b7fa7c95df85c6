import Raft
import RaftTesting
import XCTest

/// The paper's Figure 8 (leaders crash right after taking proposals, over and
/// over) and churn with crashes and partitions: no committed entry is ever
/// lost or replaced. Full 1000 rounds per seed even in debug builds (about a
/// second); the release sweep (scripts/simulate.sh) runs both variants again.
final class ScenarioFigure8Tests: XCTestCase {
    static let rounds = 1000

    func testFigure8Reliable() throws {
        for seed: UInt64 in [61, 62] {
            let sim = try Figure8.run(seed: seed, rounds: Self.rounds, unreliable: false, trace: Scenario.tracing)
            print("figure 8 seed \(seed): \(sim.invariants.termsWithLeader) terms with a leader, \(sim.invariants.committedIndex) committed, \(sim.crashes) crashes")
            XCTAssertGreaterThan(sim.invariants.termsWithLeader, Self.rounds / 20, "seed \(seed): too few leaders to be a test")
            XCTAssertGreaterThan(sim.invariants.committedIndex, UInt64(Self.rounds / 20))
            XCTAssertGreaterThan(sim.crashes, Self.rounds / 20)
        }
    }

    func testFigure8Unreliable() throws {
        for seed: UInt64 in [63, 64] {
            let sim = try Figure8.run(seed: seed, rounds: Self.rounds, unreliable: true, trace: Scenario.tracing)
            print("figure 8 unreliable seed \(seed): \(sim.invariants.termsWithLeader) terms with a leader, \(sim.invariants.committedIndex) committed")
            XCTAssertGreaterThan(sim.invariants.termsWithLeader, Self.rounds / 50, "seed \(seed): too few leaders to be a test")
            XCTAssertGreaterThan(sim.invariants.committedIndex, UInt64(Self.rounds / 20))
        }
    }

    func testChurnWithCrashesAndPartitionsKeepsEveryCommittedValue() throws {
        let sim = try Scenario.cluster(
            seed: 65, voters: 5, conditions: SimNetwork.Conditions(lossRate: 0.05, maxDelay: 10, reorderRate: 0.05),
            snapshotInterval: 15, snapshotTail: 3)
        var plan = SimRandom(seed: 6565)
        var restartAt: [NodeID: UInt64] = [:]
        for step in 0..<400 {
            for id in sim.nodeIDs where (restartAt[id] ?? .max) <= sim.tick {
                restartAt[id] = nil
                try sim.start(id)
            }
            for client in 0..<3 where plan.chance(0.4) {
                sim.proposeAtLeader(Array("churn \(step)-\(client)".utf8))
            }
            if plan.chance(0.08) {
                let up = sim.upNodes
                if up.count > 2 {
                    let victim = plan.pick(up)
                    sim.crash(victim, at: plan.pick(CrashPoint.allCases))
                    restartAt[victim] = sim.tick + plan.uint64(in: 1...30)
                }
            }
            if plan.chance(0.05) {
                var ids = sim.nodeIDs
                ids.shuffle(using: &plan)
                let k = plan.int(in: 1...4)
                sim.network.partition([Array(ids.prefix(k)), Array(ids.dropFirst(k))])
            }
            if plan.chance(0.06) { sim.network.healLinks() }
            try sim.run(ticks: 1)
        }
        sim.network.healLinks()
        for id in sim.nodeIDs where !sim.isUp(id) { try sim.start(id) }
        try sim.checkConvergence(maxTicks: 200)
        XCTAssertGreaterThan(sim.acknowledged.count, 50)
        for t in sim.acknowledged { XCTAssertTrue(sim.isApplied(t, by: sim.nodeIDs), "acknowledged \(t.index) lost") }
        XCTAssertGreaterThan(sim.crashes, 10)
    }
}
