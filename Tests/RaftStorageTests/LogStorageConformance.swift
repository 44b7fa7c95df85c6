import Raft
import XCTest

/// The behaviour every `MutableLogStorage` must have, written once and run
/// against each implementation (hashicorp/raft's habit). `make` returns a fresh,
/// empty storage with the given membership; `reopen`, when given, closes a
/// storage and opens it again from what is durable (for durable implementations).
struct LogStorageConformance {
    let make: (ConfState) throws -> any MutableLogStorage
    let reopen: ((any MutableLogStorage) throws -> any MutableLogStorage)?

    /// Every check, by name.
    var checks: [(String, () throws -> Void)] {
        [
            ("empty", checkEmpty), ("appendAndRead", checkAppendAndRead), ("maxBytes", checkMaxBytes),
            ("conflictingAppend", checkConflictingAppend), ("gap", checkGap), ("hardState", checkHardState),
            ("compact", checkCompact), ("createSnapshot", checkCreateSnapshot),
            ("applySnapshotMatching", checkApplySnapshotMatching), ("applySnapshotConflicting", checkApplySnapshotConflicting),
            ("appendBeforeFirst", checkAppendBeforeFirst), ("largeEntries", checkLargeEntries),
        ]
    }

    /// Runs every check (each asserts as it goes) and returns the ones that threw, as
    /// "name: error" — the caller asserts that this is empty.
    func runAll() -> [String] {
        var thrown: [String] = []
        for (name, check) in checks {
            do { try check() } catch { thrown.append("\(name): \(error)") }
        }
        return thrown
    }

    private func entries(_ range: ClosedRange<UInt64>, term: UInt64, size: Int = 10) -> [Entry] {
        range.map { i in Entry(term: term, index: i, kind: i % 7 == 0 ? .confChange : .normal, data: (0..<size).map { UInt8(truncatingIfNeeded: Int(i) &* 31 &+ $0) }) }
    }

    /// The storage as seen after a restart (or itself when not durable).
    private func restarted(_ s: any MutableLogStorage) throws -> any MutableLogStorage {
        try s.sync()
        return try reopen?(s) ?? s
    }

    /// Runs `body` on `s`, then on `s` restarted; returns the restarted storage.
    @discardableResult
    private func both(_ s: any MutableLogStorage, _ body: (any MutableLogStorage) throws -> Void) throws -> any MutableLogStorage {
        try body(s)
        let t = try restarted(s)
        try body(t)
        return t
    }

    func checkEmpty() throws {
        let s = try make(ConfState(voters: [1, 2, 3]))
        try both(s) { t in
            XCTAssertEqual(try t.firstIndex(), 1)
            XCTAssertEqual(try t.lastIndex(), 0)
            XCTAssertEqual(try t.term(at: 0), 0)
            XCTAssertEqual(try t.entries(from: 1, to: 1, maxBytes: .max), [])
            let (hs, cs) = try t.initialState()
            XCTAssertEqual(hs, HardState())
            XCTAssertEqual(cs, ConfState(voters: [1, 2, 3]))
            XCTAssertTrue(try t.snapshot().isEmpty)
        }
    }

    func checkAppendAndRead() throws {
        let s = try make(ConfState())
        let written = entries(1...5, term: 1) + entries(6...9, term: 2)
        try s.append(Array(written[0..<5]))
        try s.append(Array(written[5...]))
        try both(s) { t in
            XCTAssertEqual(try t.lastIndex(), 9)
            XCTAssertEqual(try t.entries(from: 1, to: 10, maxBytes: .max), written)
            XCTAssertEqual(try t.entries(from: 4, to: 7, maxBytes: .max), Array(written[3..<6]))
            XCTAssertEqual(try t.term(at: 5), 1)
            XCTAssertEqual(try t.term(at: 6), 2)
            XCTAssertThrowsError(try t.term(at: 10)) { XCTAssertEqual($0 as? StorageError, .unavailable) }
            XCTAssertThrowsError(try t.entries(from: 1, to: 11, maxBytes: .max)) { XCTAssertEqual($0 as? StorageError, .unavailable) }
            XCTAssertThrowsError(try t.entries(from: 0, to: 2, maxBytes: .max)) { XCTAssertEqual($0 as? StorageError, .compacted) }
        }
    }

    func checkMaxBytes() throws {
        let s = try make(ConfState())
        let written = entries(1...6, term: 1, size: 100)
        try s.append(written)
        let each = written[0].accountedSize
        XCTAssertEqual(try s.entries(from: 1, to: 7, maxBytes: 0).count, 1, "at least one entry")
        XCTAssertEqual(try s.entries(from: 1, to: 7, maxBytes: each * 3).count, 3)
        XCTAssertEqual(try s.entries(from: 1, to: 7, maxBytes: each * 3 + 1).count, 3)
        XCTAssertEqual(try s.entries(from: 2, to: 7, maxBytes: each * 4 - 1).count, 3)
    }

    func checkConflictingAppend() throws {
        let s = try make(ConfState())
        try s.append(entries(1...5, term: 1))
        try s.append(entries(3...4, term: 2))
        let t = try both(s) { t in
            XCTAssertEqual(try t.lastIndex(), 4)
            XCTAssertEqual(try t.term(at: 2), 1)
            XCTAssertEqual(try t.term(at: 3), 2)
            XCTAssertEqual(try t.entries(from: 1, to: 5, maxBytes: .max), entries(1...2, term: 1) + entries(3...4, term: 2))
        }
        // Appending after a truncation continues from the new end.
        try t.append(entries(5...6, term: 3))
        XCTAssertEqual(try restarted(t).entries(from: 3, to: 7, maxBytes: .max), entries(3...4, term: 2) + entries(5...6, term: 3))
    }

    func checkGap() throws {
        let s = try make(ConfState())
        try s.append(entries(1...3, term: 1))
        XCTAssertThrowsError(try s.append(entries(5...6, term: 1)))
        XCTAssertEqual(try s.lastIndex(), 3)
        XCTAssertEqual(try s.entries(from: 1, to: 4, maxBytes: .max), entries(1...3, term: 1))
    }

    func checkHardState() throws {
        let s = try make(ConfState())
        try s.setHardState(HardState(term: 3, vote: 2, commit: 0))
        try s.append(entries(1...2, term: 3))
        try s.setHardState(HardState(term: 4, vote: 1, commit: 2))
        try both(s) { t in
            XCTAssertEqual(try t.initialState().0, HardState(term: 4, vote: 1, commit: 2))
        }
    }

    func checkCompact() throws {
        let s = try make(ConfState())
        try s.append(entries(1...10, term: 1) + entries(11...12, term: 2))
        try s.compact(upTo: 5)
        let s2 = try both(s) { t in
            XCTAssertEqual(try t.firstIndex(), 5)
            XCTAssertEqual(try t.lastIndex(), 12)
            XCTAssertEqual(try t.term(at: 4), 1)
            XCTAssertThrowsError(try t.term(at: 3)) { XCTAssertEqual($0 as? StorageError, .compacted) }
            XCTAssertThrowsError(try t.entries(from: 4, to: 6, maxBytes: .max)) { XCTAssertEqual($0 as? StorageError, .compacted) }
            XCTAssertEqual(try t.entries(from: 5, to: 13, maxBytes: .max), entries(5...10, term: 1) + entries(11...12, term: 2))
        }
        try s2.compact(upTo: 3)  // behind the compaction point: nothing happens
        XCTAssertEqual(try s2.firstIndex(), 5)
        XCTAssertThrowsError(try s2.compact(upTo: 14)) { XCTAssertEqual($0 as? StorageError, .unavailable) }
        try s2.compact(upTo: 13)  // everything: the log is empty after index 12
        XCTAssertEqual(try s2.firstIndex(), 13)
        XCTAssertEqual(try s2.lastIndex(), 12)
        XCTAssertEqual(try s2.term(at: 12), 2)
        let t = try restarted(s2)
        XCTAssertEqual(try t.firstIndex(), 13)
        XCTAssertEqual(try t.term(at: 12), 2)
        try t.append(entries(13...14, term: 3))
        XCTAssertEqual(try restarted(t).entries(from: 13, to: 15, maxBytes: .max), entries(13...14, term: 3))
    }

    func checkCreateSnapshot() throws {
        let s = try make(ConfState(voters: [1, 2, 3]))
        try s.append(entries(1...4, term: 1) + entries(5...8, term: 2))
        let snap = try s.createSnapshot(at: 6, confState: ConfState(voters: [1, 2, 3], learners: [4]), data: Array("state@6".utf8))
        XCTAssertEqual(snap.metadata, SnapshotMetadata(index: 6, term: 2, confState: ConfState(voters: [1, 2, 3], learners: [4])))
        XCTAssertThrowsError(try s.createSnapshot(at: 6, confState: ConfState(), data: [])) { XCTAssertEqual($0 as? StorageError, .snapshotOutOfDate) }
        XCTAssertThrowsError(try s.createSnapshot(at: 9, confState: ConfState(), data: [])) { XCTAssertEqual($0 as? StorageError, .unavailable) }
        try both(s) { t in
            XCTAssertEqual(try t.snapshot(), snap)
            XCTAssertEqual(try t.initialState().1, ConfState(voters: [1, 2, 3], learners: [4]))
            XCTAssertEqual(try t.firstIndex(), 1, "a snapshot does not compact by itself")
            XCTAssertEqual(try t.lastIndex(), 8)
        }
    }

    func checkApplySnapshotMatching() throws {
        let s = try make(ConfState())
        try s.append(entries(1...8, term: 1))
        let snap = Snapshot(metadata: SnapshotMetadata(index: 5, term: 1, confState: ConfState(voters: [1, 2])), data: [1, 2, 3])
        try s.applySnapshot(snap)
        XCTAssertThrowsError(try s.applySnapshot(snap)) { XCTAssertEqual($0 as? StorageError, .snapshotOutOfDate) }
        try both(s) { t in
            XCTAssertEqual(try t.snapshot(), snap)
            XCTAssertEqual(try t.firstIndex(), 6)
            XCTAssertEqual(try t.lastIndex(), 8)
            XCTAssertEqual(try t.term(at: 5), 1)
            XCTAssertEqual(try t.entries(from: 6, to: 9, maxBytes: .max), entries(6...8, term: 1))
        }
    }

    func checkApplySnapshotConflicting() throws {
        let s = try make(ConfState())
        try s.append(entries(1...8, term: 1))
        let snap = Snapshot(metadata: SnapshotMetadata(index: 20, term: 3, confState: ConfState(voters: [1, 2])), data: [9])
        try s.applySnapshot(snap)
        let t = try both(s) { t in
            XCTAssertEqual(try t.firstIndex(), 21)
            XCTAssertEqual(try t.lastIndex(), 20)
            XCTAssertEqual(try t.term(at: 20), 3)
            XCTAssertEqual(try t.snapshot(), snap)
        }
        try t.append(entries(21...22, term: 3))
        XCTAssertEqual(try restarted(t).entries(from: 21, to: 23, maxBytes: .max), entries(21...22, term: 3))
    }

    func checkAppendBeforeFirst() throws {
        let s = try make(ConfState())
        try s.append(entries(1...6, term: 1))
        try s.compact(upTo: 5)
        try s.append(entries(3...8, term: 1))  // 3 and 4 are compacted: skipped
        XCTAssertEqual(try s.firstIndex(), 5)
        XCTAssertEqual(try restarted(s).entries(from: 5, to: 9, maxBytes: .max), entries(5...8, term: 1))
    }

    func checkLargeEntries() throws {
        let s = try make(ConfState())
        var rng = SplitMix64(seed: 3)
        let big = (1...3).map { i in Entry(term: 1, index: UInt64(i), data: (0..<(300_000 + i)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        try s.append(big)
        XCTAssertEqual(try restarted(s).entries(from: 1, to: 4, maxBytes: .max), big)
    }
}
