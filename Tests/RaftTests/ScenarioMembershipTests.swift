import Raft
import RaftTesting
import XCTest

/// Leadership transfer, learners and membership changes.
final class ScenarioMembershipTests: XCTestCase {
    func testLeadershipTransferToUpToDateNode() throws {
        let sim = try Scenario.cluster(seed: 91)
        let leader = try sim.electedLeader()
        try sim.commit("before")
        let target = sim.others(than: leader)[1]
        let term = sim.term(of: leader)!
        sim.transferLeadership(at: leader, to: target)
        XCTAssertTrue(try sim.run(maxTicks: 15) { $0.role(of: target) == .leader }, "transfer did not happen")
        XCTAssertEqual(sim.term(of: target), term + 1)
        try sim.commit("after")
    }

    func testLeadershipTransferToLaggingNode() throws {
        let sim = try Scenario.cluster(seed: 92)
        let leader = try sim.electedLeader()
        let lagging = sim.others(than: leader)[0]
        sim.network.isolate(lagging)
        var last: ProposalTicket?
        for k in 0..<30 { last = sim.propose(Array("lag \(k)".utf8), at: leader).ticket }
        XCTAssertTrue(try sim.run(maxTicks: 20) { $0.isApplied(last!, by: $0.others(than: lagging)) })
        XCTAssertLessThan(sim.appliedIndex(of: lagging), last!.index)
        sim.network.healLinks()
        sim.transferLeadership(at: leader, to: lagging)
        XCTAssertTrue(try sim.run(maxTicks: 40) { $0.role(of: lagging) == .leader }, "the lagging node never took over")
        // Leader completeness was checked as it took over; it has everything.
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(sim.storage(of: lagging)).lastIndex(), last!.index)
        try sim.commit("after")
    }

    func testLearnerCatchesUpAndIsPromoted() throws {
        let sim = try Scenario.cluster(seed: 93, voters: 3, capacity: 4)
        let leader = try sim.electedLeader()
        for k in 0..<20 { try sim.commit("v\(k)", on: [1, 2, 3]) }
        try sim.start(4)
        let add = try XCTUnwrap(sim.proposeConfChange(ConfChange(.addLearner, node: 4), at: leader).ticket)
        XCTAssertTrue(try sim.run(maxTicks: 40) { $0.isApplied(add, by: [1, 2, 3, 4]) }, "the learner did not catch up")
        XCTAssertEqual(sim.appState(of: leader).confState.learners, [4])
        XCTAssertEqual(sim.role(of: 4), .learner)
        // A learner never campaigns, even cut off.
        sim.network.isolate(4)
        try sim.run(ticks: 60)
        XCTAssertNotEqual(sim.role(of: 4), .candidate)
        XCTAssertNotEqual(sim.role(of: 4), .preCandidate)
        sim.network.healLinks()
        let promote = try XCTUnwrap(sim.proposeConfChange(ConfChange(.addVoter, node: 4), at: sim.electedLeader()).ticket)
        XCTAssertTrue(try sim.run(maxTicks: 40) { $0.isApplied(promote, by: [1, 2, 3, 4]) })
        XCTAssertEqual(sim.appState(of: 4).confState.voters, [1, 2, 3, 4])
        // Four voters: two down means no quorum; one down is fine.
        sim.network.isolate(sim.others(than: try sim.electedLeader(), 4)[0])
        try sim.commit("three of four", on: sim.nodeIDs.filter { sim.network.isOpen(from: $0, to: sim.leader!) || $0 == sim.leader! }, within: 60)
        sim.network.healLinks()
        try sim.checkConvergence(maxTicks: 60)
    }

    func testRemovingTheLeader() throws {
        let sim = try Scenario.cluster(seed: 94, voters: 3)
        let leader = try sim.electedLeader()
        try sim.commit("before")
        let removal = try XCTUnwrap(sim.proposeConfChange(ConfChange(.remove, node: leader), at: leader).ticket)
        let rest = sim.others(than: leader)
        XCTAssertTrue(try sim.run(maxTicks: 40) { $0.isApplied(removal, by: rest) })
        XCTAssertEqual(sim.appState(of: rest[0]).confState.voters, rest)
        // The two remaining voters elect one of them and keep committing.
        XCTAssertTrue(try sim.run(maxTicks: 80) { s in rest.contains { s.role(of: $0) == .leader } }, "no new leader after removing \(leader)")
        try sim.commit("after", on: rest, within: 60)
        XCTAssertNotEqual(sim.leader, leader)
    }
}
