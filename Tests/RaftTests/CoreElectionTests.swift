import Raft
import XCTest

final class CoreElectionTests: XCTestCase {
    func testRandomizedElectionTimeoutStaysInRangeAndFollowsTheSeed() throws {
        func ticksUntilCampaign(seed: UInt64) throws -> Int {
            var config = Config(id: 1)
            config.randomSeed = seed
            var node = try RaftNode(config: config, storage: MemoryStorage(confState: ConfState(voters: [1, 2, 3])))
            for tick in 1...100 {
                node.tick()
                if node.role == .preCandidate { return tick }
            }
            return -1
        }
        var seen = Set<Int>()
        for seed: UInt64 in 0..<40 {
            let ticks = try ticksUntilCampaign(seed: seed)
            XCTAssert((10..<20).contains(ticks), "seed \(seed): campaigned after \(ticks) ticks")
            XCTAssertEqual(ticks, try ticksUntilCampaign(seed: seed), "same seed, same timeout")
            seen.insert(ticks)
        }
        XCTAssertGreaterThan(seen.count, 4, "timeouts are spread out: \(seen.sorted())")
    }

    func testStaleAndForeignMessagesAreIgnored() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster[1].transferLeadership(to: 2)
        cluster.stabilize()
        XCTAssertEqual(cluster.leaders, [2])
        let before = cluster[3].status
        XCTAssertEqual(before.term, 2)
        // Stale term: the old leader's append is not applied, only answered with our term.
        cluster[3].step(
            Message(
                type: .appendEntries, from: 1, to: 3, term: 1, logTerm: 1, index: before.lastIndex,
                entries: [Entry(term: 1, index: before.lastIndex + 1)]))
        XCTAssertEqual(cluster[3].status.lastIndex, before.lastIndex)
        let answer = cluster[3].ready().messages
        XCTAssertEqual(answer.map(\.type), [.appendResponse])
        XCTAssertEqual(answer.first?.term, 2)
        // Addressed to someone else, from nobody, or with a gap in its entries.
        cluster[3].step(Message(type: .appendEntries, from: 2, to: 1, term: before.term, index: before.lastIndex,
                                entries: [Entry(term: before.term, index: before.lastIndex + 1)]))
        cluster[3].step(Message(type: .heartbeat, from: 0, to: 3, term: 99))
        cluster[3].step(
            Message(
                type: .appendEntries, from: 2, to: 3, term: before.term, logTerm: before.term,
                index: before.lastIndex, entries: [Entry(term: before.term, index: before.lastIndex + 2)]))
        cluster[3].step(Message(type: .installSnapshot, from: 2, to: 3, term: before.term))
        cluster[3].step(Message(type: .appendEntries, from: 2, to: 3, term: UInt64.max, index: UInt64.max))
        cluster[3].step(Message(type: .heartbeat, from: 2, to: 3, term: before.term, commit: 1_000))
        let after = cluster[3].status
        XCTAssertEqual(after.term, before.term)
        XCTAssertEqual(after.lastIndex, before.lastIndex)
        XCTAssertEqual(after.commit, before.commit)
        XCTAssertEqual(after.leader, 2)
    }
}
