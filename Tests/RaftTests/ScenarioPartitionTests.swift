import Raft
import RaftTesting
import XCTest

/// Pre-vote and check-quorum keep a cluster stable against nodes that come
/// and go or see only part of it.
final class ScenarioPartitionTests: XCTestCase {
    func testRejoiningPartitionedNodeWithPreVoteDoesNotRaiseTermOrDeposeLeader() throws {
        let sim = try Scenario.cluster(seed: 71)
        let leader = try sim.electedLeader()
        try sim.commit("before")
        let loner = sim.others(than: leader)[0]
        let term = sim.term(of: leader)!
        sim.network.isolate(loner)
        try sim.run(ticks: 150)   // many election timeouts: it pre-campaigns, in vain
        XCTAssertEqual(sim.term(of: loner), term, "pre-vote should keep the isolated node's term")
        sim.network.healLinks()
        try sim.run(ticks: 60)
        XCTAssertEqual(sim.leader, leader)
        XCTAssertEqual(sim.term(of: leader), term, "the rejoining node raised the term")
        try sim.commit("after")
    }

    func testNodeCutOffOnlyFromLeaderDoesNotDestabiliseCluster() throws {
        let sim = try Scenario.cluster(seed: 72)
        let leader = try sim.electedLeader()
        try sim.commit("before")
        let cut = sim.others(than: leader)[0]
        let term = sim.term(of: leader)!
        sim.network.setBidirectional(leader, cut, open: false)
        for k in 0..<20 {
            try sim.commit("during \(k)", on: sim.others(than: cut), within: 20)
            try sim.run(ticks: 10)
        }
        XCTAssertEqual(sim.leader, leader, "the leader was deposed")
        XCTAssertEqual(sim.term(of: leader), term, "the term moved")
        XCTAssertLessThanOrEqual(sim.invariants.termsWithLeader, 1)
        sim.network.healLinks()
        try sim.checkConvergence(maxTicks: 60)
    }

    func testOneWayPartitionHeals() throws {
        let sim = try Scenario.cluster(seed: 73, voters: 5)
        let leader = try sim.electedLeader()
        // The leader can hear everyone but nobody hears it.
        for other in sim.others(than: leader) { sim.network.setLink(from: leader, to: other, open: false) }
        let rest = sim.others(than: leader)
        XCTAssertTrue(try sim.run(maxTicks: 80) { s in rest.contains { s.role(of: $0) == .leader } })
        try sim.commit("one-way", on: rest, within: 40)
        sim.network.healLinks()
        try sim.checkConvergence(maxTicks: 80)
    }
}
