import Raft
import RaftTesting
import XCTest

/// The invariant checker must catch each violation it claims to check; these
/// feed it broken histories directly.
final class SimInvariantsTests: XCTestCase {
    private func entry(_ index: UInt64, _ term: UInt64, _ text: String = "") -> Entry {
        Entry(term: term, index: index, data: Array(text.utf8))
    }

    private func storage(_ entries: [Entry], commit: UInt64 = 0) throws -> MemoryStorage {
        let s = MemoryStorage(confState: ConfState(voters: [1, 2, 3]))
        try s.append(entries)
        try s.setHardState(HardState(term: entries.last?.term ?? 0, vote: 0, commit: commit))
        return s
    }

    func testTwoLeadersInOneTermAreCaught() {
        var inv = SimInvariants()
        XCTAssertNil(inv.recordLeader(1, term: 3))
        XCTAssertNil(inv.recordLeader(1, term: 3))
        XCTAssertNil(inv.recordLeader(2, term: 4))
        XCTAssertNotNil(inv.recordLeader(2, term: 3))
    }

    func testLogMatchingCatchesDifferentContentOrPredecessorForOneIndexTerm() {
        var inv = SimInvariants()
        XCTAssertNil(inv.recordPersisted(1, entries: [entry(1, 1, "a"), entry(2, 1, "b")], previousTerm: 0))
        XCTAssertNil(inv.recordPersisted(2, entries: [entry(2, 1, "b")], previousTerm: 1))
        XCTAssertNotNil(inv.recordPersisted(3, entries: [entry(2, 1, "c")], previousTerm: 1), "same index and term, other data")
        XCTAssertNil(inv.recordPersisted(1, entries: [entry(3, 2, "x")], previousTerm: 1))
        XCTAssertNotNil(inv.recordPersisted(2, entries: [entry(3, 2, "x")], previousTerm: 0), "same entry after another term")
        XCTAssertNotNil(inv.recordPersisted(2, entries: [entry(5, 2), entry(7, 2)], previousTerm: 2), "gap")
        XCTAssertNotNil(inv.recordPersisted(2, entries: [entry(4, 1)], previousTerm: 2), "term goes down in a log")
    }

    func testCommitAndApplyMustFollowOneSequence() throws {
        var inv = SimInvariants()
        let a = try storage([entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 2, "c")])
        XCTAssertNil(inv.recordCommit(1, from: 0, to: 2, term: 1, storage: a))
        XCTAssertEqual(inv.committedIndex, 2)
        // Another node commits the same prefix and one more.
        let b = try storage([entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 2, "c")])
        XCTAssertNil(inv.recordCommit(2, from: 0, to: 3, term: 2, storage: b))
        XCTAssertEqual(inv.committedIndex, 3)
        // A node whose log differs at a committed index.
        let c = try storage([entry(1, 1, "a"), entry(2, 2, "z")])
        XCTAssertNotNil(inv.recordCommit(3, from: 0, to: 2, term: 2, storage: c))
        // Commit beyond the log.
        XCTAssertNotNil(inv.recordCommit(3, from: 0, to: 5, term: 2, storage: b))
        // Applying: the committed entry passes, another does not, nor an uncommitted index.
        XCTAssertNil(inv.checkApplied(1, entry: entry(2, 1, "b"), digest: SimAppState.entryDigest(entry(2, 1, "b"))))
        XCTAssertNotNil(inv.checkApplied(1, entry: entry(2, 1, "q"), digest: SimAppState.entryDigest(entry(2, 1, "q"))))
        XCTAssertNotNil(inv.checkApplied(1, entry: entry(4, 2, "d"), digest: SimAppState.entryDigest(entry(4, 2, "d"))))
    }

    func testSnapshotDigestMustMatchTheCommittedPrefix() throws {
        var inv = SimInvariants()
        let entries = [entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c")]
        XCTAssertNil(inv.recordCommit(1, from: 0, to: 3, term: 1, storage: try storage(entries)))
        var good = SimAppState(confState: ConfState(voters: [1]))
        var bad = good
        for e in entries.prefix(2) { good.apply(e, entryDigest: SimAppState.entryDigest(e)) }
        bad.apply(entries[0], entryDigest: SimAppState.entryDigest(entries[0]))
        bad.apply(entry(2, 1, "B"), entryDigest: SimAppState.entryDigest(entry(2, 1, "B")))
        XCTAssertNil(inv.checkSnapshot(2, index: good.appliedIndex, digest: good.digest))
        XCTAssertNotNil(inv.checkSnapshot(2, index: bad.appliedIndex, digest: bad.digest))
        XCTAssertNotNil(inv.checkSnapshot(2, index: 9, digest: good.digest), "beyond the committed index")
        // The snapshot payload round-trips.
        let snap = Snapshot(metadata: SnapshotMetadata(index: 2, term: 1, confState: ConfState(voters: [1])), data: good.snapshotData)
        XCTAssertEqual(SimAppState(snapshot: snap), good)
        XCTAssertNil(SimAppState(snapshot: Snapshot(metadata: SnapshotMetadata(index: 3, term: 1), data: good.snapshotData)))
    }

    func testNewLeaderMustHoldEntriesCommittedInEarlierTerms() throws {
        var inv = SimInvariants()
        let committedLog = [entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 2, "c")]
        XCTAssertNil(inv.recordCommit(1, from: 0, to: 2, term: 1, storage: try storage(committedLog)))
        XCTAssertNil(inv.recordCommit(1, from: 2, to: 3, term: 2, storage: try storage(committedLog)))
        // Leader of term 3 without entry 3: violation.
        XCTAssertNotNil(inv.checkLeaderCompleteness(2, term: 3, storage: try storage([entry(1, 1, "a"), entry(2, 1, "b")])))
        // Leader of term 3 with a different entry at 2: violation.
        XCTAssertNotNil(inv.checkLeaderCompleteness(2, term: 3, storage: try storage([entry(1, 1, "a"), entry(2, 2, "x"), entry(3, 2, "c")])))
        // A stale leader of term 2 need not hold what term 2 committed later.
        XCTAssertNil(inv.checkLeaderCompleteness(3, term: 2, storage: try storage([entry(1, 1, "a"), entry(2, 1, "b")])))
        // A complete log passes.
        XCTAssertNil(inv.checkLeaderCompleteness(2, term: 3, storage: try storage(committedLog + [entry(4, 3)])))
    }
}
