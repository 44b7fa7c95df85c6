import Raft
import RaftTesting
import XCTest

/// Log agreement: basic, with a failed follower, none without a majority,
/// concurrent proposals, an old leader rejoining with uncommitted entries,
/// backing up over many conflicting entries, an unreliable network, and a
/// stale append arriving late.
final class ScenarioAgreementTests: XCTestCase {
    func testBasicAgreement() throws {
        for voters in [3, 5] {
            let sim = try Scenario.cluster(seed: 31, voters: voters)
            _ = try sim.electedLeader()
            var indices: [UInt64] = []
            for k in 1...3 {
                let t = try sim.commit("value \(k)", within: 10)
                indices.append(t.index)
            }
            XCTAssertEqual(indices, [indices[0], indices[0] + 1, indices[0] + 2])
            for id in sim.nodeIDs { XCTAssertEqual(sim.appliedIndex(of: id), indices[2]) }
        }
    }

    func testAgreementDespiteFailedFollower() throws {
        let sim = try Scenario.cluster(seed: 32)
        let leader = try sim.electedLeader()
        let failed = sim.others(than: leader)[0]
        try sim.commit("before")
        sim.network.isolate(failed)
        let rest = sim.others(than: failed)
        for k in 1...3 { try sim.commit("without \(failed) #\(k)", on: rest, within: 20) }
        sim.network.healLinks()
        let t = try sim.commit("after", within: 30)
        XCTAssertTrue(sim.isApplied(t, by: sim.nodeIDs))
        XCTAssertEqual(sim.appliedIndex(of: failed), sim.appliedIndex(of: leader))
    }

    func testNoAgreementWithoutMajority() throws {
        let sim = try Scenario.cluster(seed: 33, voters: 5)
        let leader = try sim.electedLeader()
        try sim.commit("all")
        let cut = Array(sim.others(than: leader).prefix(3))
        for id in cut { sim.network.isolate(id) }
        let ticket = try XCTUnwrap(sim.propose(Array("minority".utf8), at: leader).ticket)
        try sim.run(ticks: 60)
        XCTAssertFalse(sim.isCommitted(ticket), "committed with 2 of 5")
        for id in sim.nodeIDs { XCTAssertLessThan(sim.appliedIndex(of: id), ticket.index) }
        sim.network.healLinks()
        let after = try sim.commit("majority again", within: 80)
        XCTAssertGreaterThan(after.index, 0)
    }

    func testConcurrentProposals() throws {
        let sim = try Scenario.cluster(seed: 34, voters: 3)
        let leader = try sim.electedLeader()
        var tickets: [ProposalTicket] = []
        for client in 0..<5 {
            for k in 0..<4 {
                tickets.append(try XCTUnwrap(sim.propose(Array("client \(client) op \(k)".utf8), at: leader).ticket))
            }
        }
        XCTAssertEqual(Set(tickets.map(\.index)).count, tickets.count, "two proposals got the same index")
        XCTAssertTrue(try sim.run(maxTicks: 20) { s in tickets.allSatisfy { s.isApplied($0, by: s.nodeIDs) } })
    }

    func testOldLeaderWithUncommittedEntriesRejoins() throws {
        let sim = try Scenario.cluster(seed: 35)
        let leader1 = try sim.electedLeader()
        try sim.commit("101")
        // Leader 1 is cut off and takes proposals it can never commit.
        sim.network.isolate(leader1)
        var stale: [ProposalTicket] = []
        for k in 102...104 {  // contents differ from what the other leader commits
            if let t = sim.propose(Array("stale \(k)".utf8), at: leader1).ticket { stale.append(t) }
        }
        XCTAssertEqual(stale.count, 3)
        // The others elect leader 2 and commit.
        let rest = sim.others(than: leader1)
        XCTAssertTrue(try sim.run(maxTicks: 60) { s in rest.contains { s.role(of: $0) == .leader } })
        try sim.commit("103", on: rest, within: 20)
        let leader2 = rest.first { sim.role(of: $0) == .leader }!
        // Leader 2 is cut off; leader 1 comes back.
        sim.network.healLinks()
        sim.network.isolate(leader2)
        let back = sim.others(than: leader2)
        try sim.commit("104", on: back, within: 80)
        // Everyone back.
        sim.network.healLinks()
        try sim.commit("105", within: 80)
        for t in stale { XCTAssertFalse(sim.isCommitted(t), "the cut-off leader's entry \(t.index) was committed") }
        try sim.checkConvergence(maxTicks: 60)
    }

    func testBackupOverFiftyConflictingEntriesSeveralTimes() throws {
        let sim = try Scenario.cluster(seed: 36, voters: 5)
        let start = sim.tick
        try sim.commit("base")
        for round in 0..<3 {
            let leader1 = try sim.electedLeader(within: 80)
            let partner = sim.others(than: leader1)[0]
            let majority = sim.others(than: leader1, partner)
            // Leader 1 and one follower are cut off; leader 1 takes 50 entries that cannot commit.
            sim.network.partition([[leader1, partner], majority])
            for k in 0..<50 { sim.propose(Array("lost \(round)-\(k)".utf8), at: leader1) }
            try sim.run(ticks: 2)
            // The other three elect a leader and commit 50 entries.
            XCTAssertTrue(try sim.run(maxTicks: 80) { s in majority.contains { s.role(of: $0) == .leader } })
            let leader2 = majority.first { sim.role(of: $0) == .leader }!
            var kept: [ProposalTicket] = []
            for k in 0..<50 {
                if let t = sim.propose(Array("kept \(round)-\(k)".utf8), at: leader2).ticket { kept.append(t) }
            }
            XCTAssertEqual(kept.count, 50)
            XCTAssertTrue(try sim.run(maxTicks: 40) { s in kept.allSatisfy { s.isApplied($0, by: majority) } })
            // Leader 2 and one of its followers are cut off with 50 more uncommitted entries.
            let other = majority.first { $0 != leader2 }!
            let third = majority.first { $0 != leader2 && $0 != other }!
            sim.network.partition([[leader2, other], [leader1, partner, third]])
            for k in 0..<50 { sim.propose(Array("lost2 \(round)-\(k)".utf8), at: leader2) }
            // The first pair and the third node form a majority: a leader among them must back up over 50 entries.
            let group = [leader1, partner, third]
            try sim.commit("group \(round)", on: group, within: 100)
            sim.network.healLinks()
        }
        try sim.commit("everyone", within: 100)
        try sim.checkConvergence(maxTicks: 100)
        // Fast: three rounds of backing up over 50 entries take few ticks, not one round trip per entry.
        XCTAssertLessThan(sim.tick - start, 900, "backing up took \(sim.tick - start) ticks")
    }

    func testUnreliableAgreement() throws {
        let sim = try Scenario.cluster(seed: 37, voters: 5, conditions: .unreliable)
        _ = try sim.electedLeader(within: 100)
        var plan = SimRandom(seed: 3737)
        var accepted = 0
        for k in 0..<50 {
            for client in 0..<5 where plan.chance(0.5) {
                if sim.proposeAtLeader(Array("c\(client)-\(k)".utf8)).ticket != nil { accepted += 1 }
            }
            try sim.run(ticks: 1)
        }
        XCTAssertGreaterThan(accepted, 50)
        sim.network.conditions = .reliable
        try sim.checkConvergence(maxTicks: 200)
        // Every proposal a leader acknowledged is committed, at its index.
        for t in sim.acknowledged { XCTAssertTrue(sim.isCommitted(t)) }
        XCTAssertGreaterThan(sim.acknowledged.count, 25)
    }

    func testReorderedOldAppendNeverTruncatesMatchingSuffix() throws {
        let sim = try Scenario.cluster(seed: 38)
        let leader = try sim.electedLeader()
        let follower = sim.others(than: leader)[0]
        try sim.commit("one")
        // Hold the next append to the follower, then let later ones through.
        var holding = true
        sim.interceptor = { m in
            holding && m.type == .appendEntries && m.to == follower && !m.entries.isEmpty ? .hold : .pass
        }
        sim.propose(Array("two".utf8), at: leader)
        holding = false
        try sim.run(ticks: 1)
        XCTAssertEqual(sim.held.count, 1)
        for k in 3...6 {
            try sim.commit("value \(k)", within: 10)
        }
        let storage = try XCTUnwrap(sim.storage(of: follower))
        let lastBefore = try storage.lastIndex()
        let commitBefore = sim.persistedHardState(of: follower).commit
        XCTAssertGreaterThanOrEqual(lastBefore, sim.held[0].index + 5)
        // The stale append arrives now, long after.
        for m in sim.held { sim.inject(m) }
        sim.held.removeAll()
        try sim.run(ticks: 3)
        XCTAssertEqual(try storage.lastIndex(), lastBefore, "a stale append truncated the follower's log")
        XCTAssertGreaterThanOrEqual(sim.persistedHardState(of: follower).commit, commitBefore)
        try sim.commit("after")
        try sim.checkConvergence(maxTicks: 30)
    }
}
