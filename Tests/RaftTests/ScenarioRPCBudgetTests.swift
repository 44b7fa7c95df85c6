import Raft
import RaftTesting
import XCTest

/// How many messages the core spends: electing, committing, and idling.
/// Counts are of messages (requests and responses each count one).
final class ScenarioRPCBudgetTests: XCTestCase {
    func testElectionInThreeNodeClusterUsesAtMost30Messages() throws {
        for seed: UInt64 in 41...45 {
            let sim = try Scenario.cluster(seed: seed)
            let leader = try sim.electedLeader()
            // Until every node knows the leader.
            XCTAssertTrue(try sim.run(maxTicks: 5) { s in s.nodeIDs.allSatisfy { s.leaderKnown(by: $0) == leader } })
            print("election, seed \(seed): \(sim.totalMessages) messages")
            XCTAssertLessThanOrEqual(sim.totalMessages, 30, "seed \(seed): election took \(sim.totalMessages) messages")
            XCTAssertGreaterThan(sim.totalMessages, 0)
        }
    }

    func testCommittingTenEntriesUsesAtMost42Messages() throws {
        let sim = try Scenario.cluster(seed: 46)
        let leader = try sim.electedLeader()
        try sim.commit("warm-up")
        try sim.run(ticks: 3)
        sim.resetMessageCounts()
        let ticks = sim.tick
        var tickets: [ProposalTicket] = []
        for k in 0..<10 { tickets.append(try XCTUnwrap(sim.propose(Array("entry \(k)".utf8), at: leader).ticket)) }
        XCTAssertTrue(try sim.run(maxTicks: 10) { s in tickets.allSatisfy { s.isApplied($0, by: s.nodeIDs) } })
        let heartbeats = sim.messages(of: .heartbeat) + sim.messages(of: .heartbeatResponse)
        print("10 entries: \(sim.totalMessages) messages over \(sim.tick - ticks) ticks")
        XCTAssertLessThanOrEqual(
            sim.totalMessages, 42,
            "10 entries took \(sim.totalMessages) messages (\(heartbeats) of them heartbeats) over \(sim.tick - ticks) ticks: \(MessageType.allCases.map { "\($0) \(sim.messages(of: $0))" })\(sim.traceForFailure)")
    }

    func testIdleHeartbeatsPerSecond() throws {
        // Ticks of 50 ms. With heartbeatTick 2 (a 100 ms heartbeat) an idle
        // leader sends each follower at most 10 heartbeats per simulated second;
        // with heartbeatTick 1 (50 ms) at most 20.
        for (heartbeatTick, perSecond) in [(2, 10), (1, 20)] {
            let sim = try Scenario.cluster(seed: 47, configure: { $0.heartbeatTick = heartbeatTick })
            XCTAssertEqual(sim.options.tickMilliseconds, 50)
            let leader = try sim.electedLeader()
            try sim.commit("settle")
            try sim.run(ticks: 10)
            sim.resetMessageCounts()
            let seconds = 10
            try sim.run(ticks: seconds * 1000 / Int(sim.options.tickMilliseconds))
            XCTAssertEqual(sim.leader, leader)
            let followers = sim.nodeIDs.count - 1
            let heartbeats = sim.messages(of: .heartbeat)
            print("idle, heartbeatTick \(heartbeatTick): \(Double(heartbeats) / Double(seconds * followers)) heartbeats per second per follower")
            XCTAssertLessThanOrEqual(heartbeats, perSecond * seconds * followers, "heartbeatTick \(heartbeatTick)")
            // And it does heartbeat: followers would otherwise campaign.
            XCTAssertGreaterThanOrEqual(heartbeats, (perSecond / 2) * seconds * followers)
            // Idle means nothing else but heartbeats and their responses.
            XCTAssertEqual(sim.totalMessages - heartbeats - sim.messages(of: .heartbeatResponse), 0)
        }
    }
}
