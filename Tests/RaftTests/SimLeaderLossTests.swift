import Raft
import RaftTesting
import XCTest

/// `RaftNode.reportLeaderUnreachable` in the simulator (issue 18, target 3): when the leader's process dies
/// its peers see its connections reset and elect a new leader within a few ticks instead of an election
/// timeout; a reset seen by one follower of a live leader (a blip) deposes no one.
final class SimLeaderLossTests: XCTestCase {
    /// Ticks from the leader's crash to a new leader, over `seeds`, with or without connection resets.
    private func failoverTicks(resets: Bool, seeds: ClosedRange<UInt64>) throws -> [Int] {
        try seeds.map { seed in
            let sim = try Simulation(SimulationOptions(seed: seed, voters: 3, connectionResets: resets))
            let leader = try XCTUnwrap(try sim.waitForLeader(maxTicks: 100))
            try sim.run(ticks: 5)
            let crashedAt = sim.tick
            sim.crash(leader)
            XCTAssertTrue(try sim.run(maxTicks: 200) { $0.leader != nil && $0.leader != leader }, "seed \(seed): a new leader")
            return Int(sim.tick - crashedAt)
        }
    }

    func testPeersThatSeeTheLeadersConnectionsResetElectANewLeaderWithinAFewTicks() throws {
        let fast = try failoverTicks(resets: true, seeds: 1...20).sorted()
        let slow = try failoverTicks(resets: false, seeds: 1...20).sorted()
        print("failover ticks with resets \(fast), without \(slow)")
        // Election timeout 10 ticks (randomized 10…19): without resets no follower campaigns before it;
        // with them the first in rank campaigns at once (a few message delays, within a tick or two).
        XCTAssertGreaterThanOrEqual(slow.first ?? 0, 10, "without resets: \(slow)")
        XCTAssertLessThanOrEqual(fast[fast.count / 2], 1, "with resets, median: \(fast)")
        XCTAssertLessThanOrEqual(fast.last ?? 99, 3, "with resets, every seed: \(fast)")
        XCTAssertLessThan(fast[fast.count / 2], slow[slow.count / 2], "with \(fast), without \(slow)")
    }

    func testAResetSeenByOneFollowerOfALiveLeaderDeposesNoOne() throws {
        for seed: UInt64 in 1...10 {
            let sim = try Simulation(SimulationOptions(seed: seed, voters: 3, connectionResets: true))
            let leader = try XCTUnwrap(try sim.waitForLeader(maxTicks: 100))
            try sim.run(ticks: 5)
            let term = try XCTUnwrap(sim.term(of: leader))
            let follower = try XCTUnwrap(sim.nodeIDs.first { $0 != leader })
            sim.resetConnection(at: follower, peer: leader)
            try sim.run(ticks: 60)
            XCTAssertEqual(sim.leader, leader, "seed \(seed): the leader stays")
            XCTAssertEqual(sim.term(of: leader), term, "seed \(seed): no new term")
            XCTAssertEqual(sim.leaderKnown(by: follower), leader, "seed \(seed): the follower follows it again")
        }
    }

    func testAResetOfAnotherPeerOrWithoutPreVoteChangesNothing() throws {
        let sim = try Simulation(SimulationOptions(seed: 7, voters: 3, configure: { $0.preVote = false }, connectionResets: true))
        let leader = try XCTUnwrap(try sim.waitForLeader(maxTicks: 100))
        let follower = try XCTUnwrap(sim.nodeIDs.first { $0 != leader })
        sim.resetConnection(at: follower, peer: leader)
        try sim.run(ticks: 1)
        XCTAssertEqual(sim.leaderKnown(by: follower), leader, "without pre-vote the election timeout decides")
    }
}
