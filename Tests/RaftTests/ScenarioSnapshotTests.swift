import Raft
import RaftTesting
import XCTest

/// A follower away for long catches up through the leader's snapshot.
final class ScenarioSnapshotTests: XCTestCase {
    func testSnapshotInstallAfterLongDisconnection() throws {
        let sim = try Scenario.cluster(seed: 81, voters: 3, snapshotInterval: 10, snapshotTail: 0)
        let leader = try sim.electedLeader()
        try sim.commit("before")
        let away = sim.others(than: leader)[0]
        let appliedBefore = sim.appliedIndex(of: away)
        sim.network.isolate(away)
        let rest = sim.others(than: away)
        var last: ProposalTicket?
        for k in 0..<100 {
            last = try XCTUnwrap(sim.propose(Array("while away \(k)".utf8), at: leader).ticket)
            if k % 10 == 9 { try sim.run(ticks: 1) }
        }
        XCTAssertTrue(try sim.run(maxTicks: 40) { $0.isApplied(last!, by: rest) })
        // The leader compacted past what the away node has.
        let first = try XCTUnwrap(sim.storage(of: leader)).firstIndex()
        XCTAssertGreaterThan(first, appliedBefore + 1)
        sim.network.healLinks()
        XCTAssertTrue(try sim.run(maxTicks: 60) { $0.isApplied(last!, by: [away]) }, "the away node did not catch up")
        XCTAssertGreaterThanOrEqual(sim.snapshotsInstalled, 1)
        XCTAssertEqual(sim.appState(of: away).digest, sim.appState(of: leader).digest)
        try sim.commit("after")
        try sim.checkConvergence(maxTicks: 40)
    }

    func testRestartFromOwnSnapshotReappliesOnlyTheTail() throws {
        let sim = try Scenario.cluster(seed: 82, voters: 3, snapshotInterval: 5, snapshotTail: 2)
        for k in 0..<23 { try sim.commit("v\(k)") }
        let id = sim.others(than: try sim.electedLeader())[0]
        let snapIndex = try XCTUnwrap(sim.storage(of: id)).snapshot().metadata.index
        XCTAssertGreaterThan(snapIndex, 0)
        sim.crash(id)
        try sim.start(id)
        // Restarted from its snapshot, it re-applies the committed tail and matches again.
        XCTAssertGreaterThanOrEqual(sim.appliedIndex(of: id), snapIndex)
        try sim.checkConvergence(maxTicks: 40)
    }
}
