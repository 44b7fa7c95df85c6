import Raft
import RaftTesting
import XCTest

/// Elections: the first one, a stable term while idle, re-election when the
/// leader is cut off, none without a majority, many with seven nodes.
final class ScenarioElectionTests: XCTestCase {
    func testInitialElectionAndStableTermWhenIdle() throws {
        for seed: UInt64 in 1...5 {
            let sim = try Scenario.cluster(seed: seed)
            let leader = try sim.electedLeader(within: 40)
            // Everyone learns the leader within a few heartbeats.
            XCTAssertTrue(try sim.run(maxTicks: 5) { s in s.nodeIDs.allSatisfy { s.leaderKnown(by: $0) == leader } })
            let term = try XCTUnwrap(sim.term(of: leader))
            try sim.run(ticks: 200)
            XCTAssertEqual(sim.leader, leader, "seed \(seed): leadership changed while idle")
            for id in sim.nodeIDs {
                XCTAssertEqual(sim.term(of: id), term, "seed \(seed): node \(id) changed term while idle")
            }
            XCTAssertEqual(sim.invariants.termsWithLeader, 1)
        }
    }

    func testReelectionAfterLeaderIsCutOffAndNoLeaderWithoutMajority() throws {
        let sim = try Scenario.cluster(seed: 11)
        let first = try sim.electedLeader()
        let firstTerm = sim.term(of: first)!
        sim.network.isolate(first)
        let second = try XCTUnwrap(try sim.run(maxTicks: 60) { s in
            s.others(than: first).contains { s.role(of: $0) == .leader }
        } ? sim.others(than: first).first { sim.role(of: $0) == .leader } : nil, "no new leader after cutting off \(first)")
        XCTAssertGreaterThan(sim.term(of: second)!, firstTerm)
        // The old leader, cut off, steps down (check quorum) within an election timeout or two.
        XCTAssertTrue(try sim.run(maxTicks: 40) { $0.role(of: first) != .leader }, "cut-off leader kept leading")
        // It rejoins: one leader, the old one follows.
        sim.network.healLinks()
        try sim.run(ticks: 30)
        XCTAssertEqual(sim.leaders.count, 1)
        XCTAssertNotEqual(sim.role(of: first), .leader)

        // Cut off two of three: no majority anywhere, so no leader.
        let current = try sim.electedLeader()
        let follower = sim.others(than: current).first!
        sim.network.isolate(current)
        sim.network.isolate(follower)
        try sim.run(ticks: 40)
        try sim.run(ticks: 100)
        XCTAssertTrue(sim.leaders.isEmpty, "a leader without a majority: \(sim.leaders)")
        // A majority again: a leader again.
        sim.network.healLinks()
        _ = try sim.electedLeader(within: 60)
        try sim.commit("after the storm")
    }

    func testManyElectionsWithSevenNodesAndThreeCutOff() throws {
        let sim = try Scenario.cluster(seed: 21, voters: 7)
        _ = try sim.electedLeader()
        var plan = SimRandom(seed: 2121)
        for round in 0..<10 {
            var ids = sim.nodeIDs
            ids.shuffle(using: &plan)
            let cut = Array(ids.prefix(3))
            let kept = Array(ids.dropFirst(3))
            sim.network.partition([kept] + cut.map { [$0] })
            let led = try sim.run(maxTicks: 80) { s in kept.contains { s.role(of: $0) == .leader } }
            XCTAssertTrue(led, "round \(round): the four connected nodes \(kept) elected no leader")
            let majorityLeaders = kept.filter { sim.role(of: $0) == .leader }
            XCTAssertEqual(majorityLeaders.count, 1)
            sim.network.healLinks()
            try sim.run(ticks: plan.int(in: 1...10))
        }
        _ = try sim.electedLeader()
        try sim.commit("seven")
        XCTAssertGreaterThanOrEqual(sim.invariants.termsWithLeader, 2)
    }
}
