import Raft
import XCTest

/// Malformed, foreign and random messages never trap, never move a term or
/// commit index backwards, and leave a healthy cluster able to commit.
final class CoreRobustnessTests: XCTestCase {
    func testRandomGarbageMessagesNeverTrapOrMoveStateBackwards() throws {
        var random = SplitMix64(seed: 0xBAD5EED)
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        func pick(_ values: [UInt64]) -> UInt64 { values[Int(random.next() % UInt64(values.count))] }
        var lastSeen: [NodeID: (term: UInt64, commit: UInt64)] = [:]
        for round in 0..<3_000 {
            let target = NodeID(1 + random.next() % 3)
            let type = MessageType.allCases[Int(random.next() % UInt64(MessageType.allCases.count))]
            let term = pick([0, 1, 2, 3, cluster[target].term, UInt64.max, 1 << 62, random.next()])
            let index = pick([0, 1, 2, 5, cluster[target].status.lastIndex, UInt64.max, UInt64.max - 1, random.next()])
            let count = Int(random.next() % 4)
            let firstIndex = random.next() % 3 == 0 ? random.next() : index &+ 1
            let entries = (0..<count).map { i in
                Entry(term: pick([0, 1, term, UInt64.max]), index: firstIndex &+ UInt64(i), data: payload(UInt8(i)))
            }
            let snapshot: Snapshot? =
                random.next() % 4 == 0
                ? Snapshot(
                    metadata: SnapshotMetadata(
                        index: pick([0, 1, index, UInt64.max]), term: pick([0, 1, term]),
                        confState: ConfState(voters: [1, 2, 3])), data: payload(1)) : nil
            let message = Message(
                type: type, from: pick([0, 1, 2, 3, 4, 99, UInt64.max]), to: pick([target, target, 0, 7]),
                term: term, logTerm: pick([0, 1, term, UInt64.max]), index: index, entries: entries,
                commit: pick([0, 1, index, UInt64.max]), reject: random.next() % 2 == 0,
                rejectHint: pick([0, 1, index, UInt64.max]), snapshot: snapshot, context: pick([0, 1, 2, 3]))
            cluster[target].step(message)
            if round % 50 == 0 {
                cluster.tick(1)
                if let leader = cluster.leaders.first { _ = try? cluster[leader].propose(payload(9)) }
            }
            cluster.stabilize()
            for id: NodeID in [1, 2, 3] {
                let status = cluster[id].status
                if let seen = lastSeen[id] {
                    XCTAssertGreaterThanOrEqual(status.term, seen.term, "round \(round): node \(id) term went back")
                    XCTAssertGreaterThanOrEqual(status.commit, seen.commit, "round \(round): node \(id) commit went back")
                }
                XCTAssertLessThanOrEqual(status.commit, status.lastIndex)
                lastSeen[id] = (status.term, status.commit)
            }
        }
    }

    func testClusterStillCommitsAfterStrayMessagesFromStrangers() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster[1].transferLeadership(to: 2)
        cluster.stabilize()
        cluster[2].transferLeadership(to: 1)
        cluster.stabilize()
        XCTAssertEqual(cluster.leaders, [1])
        let term = cluster[1].term
        // A stranger that is no leader: answers and a timeoutNow in the current
        // term, vote requests for the next (refused: lease), and leader messages
        // of an old term.
        let leaderTypes: Set<MessageType> = [.appendEntries, .heartbeat, .installSnapshot]
        for type in MessageType.allCases {
            for to: NodeID in [1, 2, 3] {
                let isRequest = type == .requestVote || type == .requestPreVote
                let messageTerm = leaderTypes.contains(type) ? term - 1 : (isRequest ? term + 1 : term)
                cluster[to].step(
                    Message(type: type, from: 42, to: to, term: messageTerm, logTerm: term, index: 1, commit: 1))
            }
        }
        cluster.stabilize()
        XCTAssertEqual(cluster.leaders, [1])
        try cluster[1].propose(payload(3))
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[3], [payload(3)])
    }
}
