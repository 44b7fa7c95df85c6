import Foundation
import Raft
import RaftStorage
import XCTest

/// Durability rules through the fault-injecting file system: group commit,
/// power loss, failed writes and syncs, snapshots and compaction.
final class DurabilityTests: XCTestCase {
    func testOneSyncPerReady() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.sync()
        let before = fs.operationCounts
        try log.append(WALTest.entries(1...16))
        try log.setHardState(HardState(term: 1, vote: 2, commit: 16))
        XCTAssertEqual(fs.operationCounts.fileSyncs, before.fileSyncs, "append and setHardState only write")
        try log.sync()
        XCTAssertEqual(fs.operationCounts.fileSyncs, before.fileSyncs + 1, "one fdatasync for the whole Ready")
        XCTAssertEqual(fs.operationCounts.writes, before.writes + 2, "one write per call")
    }

    func testManySmallEntriesAreWrittenInBoundedChunks() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        let before = fs.operationCounts.writes
        let batch = (1...12_000 as ClosedRange<UInt64>).map { Entry(term: 1, index: $0, data: [UInt8](repeating: UInt8($0 % 251), count: 100)) }
        try log.append(batch)
        XCTAssertEqual(fs.operationCounts.writes - before, 2, "12 000 records of 136 bytes: two writes of about 1 MiB")
        try log.sync()
        XCTAssertThrowsError(try log.append([WALTest.entry(12_001), WALTest.entry(12_003)])) { error in
            guard case let .io(message) = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("non-consecutive"), message)
        }
        fs.powerLoss()
        let reopened = try WALTest.open(fs)
        XCTAssertEqual(try reopened.lastIndex(), 12_000)
        XCTAssertEqual(try reopened.entries(from: 11_999, to: 12_001, maxBytes: .max), Array(batch[11_998...]))
    }

    func testUnsyncedWritesVanishOnPowerLoss() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.append(WALTest.entries(1...3))
        try log.setHardState(HardState(term: 1, vote: 1, commit: 3))
        try log.sync()
        try log.append(WALTest.entries(4...5))
        try log.setHardState(HardState(term: 2, vote: 2, commit: 5))
        fs.powerLoss()
        let reopened = try WALTest.open(fs)
        XCTAssertEqual(try WALTest.all(reopened), WALTest.entries(1...3))
        XCTAssertEqual(try reopened.initialState().0, HardState(term: 1, vote: 1, commit: 3))
        XCTAssertTrue(reopened.recoveryReport.isClean)
    }

    func testPartlyPersistedUnsyncedWritesAreCutOrKeptWhole() throws {
        // Power loss that kept 0...n bytes of the unsynced tail: a torn write.
        let probe = SimulatedFileSystem()
        let probeLog = try WALTest.open(probe)
        try probeLog.append(WALTest.entries(1...2))
        try probeLog.sync()
        let synced = probe.contents(of: WALTest.segmentPath(1))!.count
        try probeLog.append(WALTest.entries(3...5))
        let unsynced = probe.contents(of: WALTest.segmentPath(1))!.count - synced
        let recordSize = unsynced / 3
        for kept in 0...unsynced {
            let fs = SimulatedFileSystem()
            let log = try WALTest.open(fs)
            try log.append(WALTest.entries(1...2))
            try log.sync()
            try log.append(WALTest.entries(3...5))
            fs.powerLoss(keepUnsyncedBytes: [WALTest.segmentPath(1): kept])
            let reopened = try WALTest.open(fs)
            let complete = kept / recordSize
            XCTAssertEqual(try WALTest.all(reopened), WALTest.entries(1...UInt64(2 + complete)), "kept \(kept)")
            XCTAssertEqual(reopened.recoveryReport.truncatedTails.count, kept % recordSize == 0 ? 0 : 1, "kept \(kept)")
        }
    }

    func testFailedSyncLatchesTheStorage() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.append(WALTest.entries(1...3))
        try log.sync()
        try log.append(WALTest.entries(4...5))
        fs.inject(.init(.sync, pathContains: ".seg", errno: EIO))
        XCTAssertThrowsError(try log.sync()) { error in
            XCTAssertEqual(error as? StorageError, .io("\(WALTest.segmentPath(1)): Input/output error"))
        }
        XCTAssertTrue(log.hasFailed)
        // The disk state is unknown: no further writes, even though the fault is gone.
        fs.clearFaults()
        for attempt in [{ try log.append([WALTest.entry(6)]) }, { try log.setHardState(HardState(term: 9)) }, { try log.sync() }] {
            XCTAssertThrowsError(try attempt()) { error in
                guard case let .io(message) = error as? StorageError else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains("refusing writes"), message)
            }
        }
        // After a restart the synced entries are there, the unsynced ones are not.
        fs.powerLoss()
        XCTAssertEqual(try WALTest.all(try WALTest.open(fs)), WALTest.entries(1...3))
    }

    func testFullDiskOnWriteIsReportedAndUndone() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.append(WALTest.entries(1...3))
        try log.sync()
        let size = fs.contents(of: WALTest.segmentPath(1))!.count
        fs.inject(.init(.write, pathContains: ".seg", errno: ENOSPC, tornBytes: 30))
        XCTAssertThrowsError(try log.append(WALTest.entries(4...6))) { error in
            XCTAssertEqual(error as? StorageError, .io("\(WALTest.segmentPath(1)): No space left on device"))
        }
        XCTAssertEqual(fs.contents(of: WALTest.segmentPath(1))!.count, size, "the torn bytes were cut off")
        XCTAssertEqual(try log.lastIndex(), 3)
        XCTAssertFalse(log.hasFailed, "a write that was undone does not latch")
        // Space came back: the log goes on.
        try log.append(WALTest.entries(4...6))
        try log.sync()
        fs.powerLoss()
        XCTAssertEqual(try WALTest.all(try WALTest.open(fs)), WALTest.entries(1...6))
    }

    func testFullDiskInTheMiddleOfLargeEntriesIsUndone() throws {
        // Large payloads are written from the entries' memory, in several writes per call:
        // a failure after some of them cuts back every byte of the call.
        for after in 0..<4 {
            let fs = SimulatedFileSystem()
            let log = try WALTest.open(fs)
            try log.append(WALTest.entries(1...2, size: 66_000))
            try log.sync()
            let size = fs.contents(of: WALTest.segmentPath(1))!.count
            fs.inject(.init(.write, pathContains: ".seg", after: after, errno: ENOSPC, tornBytes: 1000))
            XCTAssertThrowsError(try log.append(WALTest.entries(3...4, size: 66_000)), "after \(after)")
            XCTAssertEqual(fs.contents(of: WALTest.segmentPath(1))!.count, size, "after \(after)")
            XCTAssertEqual(try log.lastIndex(), 2)
            try log.append(WALTest.entries(3...4, size: 65_600))
            try log.sync()
            fs.powerLoss()
            XCTAssertEqual(try WALTest.all(try WALTest.open(fs)), WALTest.entries(1...2, size: 66_000) + WALTest.entries(3...4, size: 65_600))
        }
    }

    func testFailedSegmentRotationLatches() throws {
        for fault in [SimulatedFileSystem.Fault(.create, pathContains: ".seg", errno: ENOSPC),
                      SimulatedFileSystem.Fault(.syncDirectory, errno: EIO),
                      SimulatedFileSystem.Fault(.sync, pathContains: WALFormat.segmentName(1), errno: EIO)] {
            let fs = SimulatedFileSystem()
            let log = try WALTest.open(fs, segmentSize: 256)
            try log.append(WALTest.entries(1...2))
            try log.sync()
            fs.inject(fault)
            XCTAssertThrowsError(try log.append(WALTest.entries(3...4)), "\(fault)")
            XCTAssertTrue(log.hasFailed, "\(fault)")
            fs.powerLoss()
            let reopened = try WALTest.open(fs, segmentSize: 256)
            XCTAssertEqual(try WALTest.all(reopened).prefix(2), WALTest.entries(1...2)[...], "\(fault)")
        }
    }

    func testWriteThatCannotBeUndoneLatches() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        fs.inject(.init(.write, errno: ENOSPC, tornBytes: 5))
        fs.inject(.init(.truncate, errno: EIO))
        XCTAssertThrowsError(try log.append(WALTest.entries(1...2)))
        XCTAssertTrue(log.hasFailed)
        fs.powerLoss()
        XCTAssertEqual(try WALTest.open(fs).lastIndex(), 0)
    }

    func testSnapshotIsDurableAtOnceAndCrashBeforeCompactionKeepsEverything() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs, segmentSize: 256)
        for i in 1...12 as ClosedRange<UInt64> {
            try log.append([WALTest.entry(i)])
            try log.sync()
        }
        let snap = try log.createSnapshot(at: 8, confState: ConfState(voters: [1, 2, 3]), data: Array("state".utf8))
        // Crash between writing the snapshot and removing old segments (compact never ran).
        fs.powerLoss()
        let reopened = try WALTest.open(fs, segmentSize: 256)
        XCTAssertEqual(try reopened.snapshot(), snap)
        XCTAssertEqual(try WALTest.all(reopened), WALTest.entries(1...12))
        // Compaction where the segment removal fails half-way, then a crash.
        let segmentsBefore = reopened.segmentCount
        fs.inject(.init(.remove, pathContains: WALFormat.segmentName(2)))
        XCTAssertThrowsError(try reopened.compact(upTo: 9))
        fs.powerLoss()
        let again = try WALTest.open(fs, segmentSize: 256)
        XCTAssertEqual(try again.firstIndex(), 9, "the log start was synced before any removal")
        XCTAssertEqual(try WALTest.all(again), WALTest.entries(9...12))
        XCTAssertEqual(try again.snapshot(), snap)
        XCTAssertEqual(again.segmentCount, segmentsBefore, "removals not made durable by a directory sync came back")
        try again.compact(upTo: 9)  // retried: the obsolete segments go now
        XCTAssertLessThan(again.segmentCount, segmentsBefore)
        fs.powerLoss()
        XCTAssertEqual(try WALTest.all(try WALTest.open(fs, segmentSize: 256)), WALTest.entries(9...12))
    }

    func testAFailedSegmentRemovalIsRetriedWithoutLeavingAGap() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs, segmentSize: 256)
        for i in 1...12 as ClosedRange<UInt64> {
            try log.append([WALTest.entry(i)])
            try log.sync()
        }
        fs.inject(.init(.remove, pathContains: WALFormat.segmentName(1), errno: EIO))
        XCTAssertThrowsError(try log.compact(upTo: 5))
        XCTAssertFalse(log.hasFailed)
        for i in 13...20 as ClosedRange<UInt64> {
            try log.append([WALTest.entry(i)])
            try log.sync()
        }
        try log.compact(upTo: 15)  // removes segment 1 too, then the later ones
        let left = try fs.list(WALTest.directory).compactMap(WALFormat.segmentSequence)
        XCTAssertEqual(left, Array(left.first!...left.last!), "consecutive")
        XCTAssertFalse(left.contains(1))
        fs.powerLoss()
        XCTAssertEqual(try WALTest.all(try WALTest.open(fs, segmentSize: 256)), WALTest.entries(15...20))
    }

    func testCrashWhileWritingASnapshotKeepsTheOldOne() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.append(WALTest.entries(1...6))
        try log.sync()
        let first = try log.createSnapshot(at: 3, confState: ConfState(voters: [1]), data: [3])
        fs.inject(.init(.rename, pathContains: "snap-"))
        XCTAssertThrowsError(try log.createSnapshot(at: 5, confState: ConfState(voters: [1]), data: [5]))
        fs.powerLoss()
        let reopened = try WALTest.open(fs)
        XCTAssertEqual(try reopened.snapshot(), first)
        XCTAssertFalse(try fs.list(WALTest.directory).contains { $0.hasSuffix(".tmp") })
        // A crash after the rename but before the directory sync: the rename may be lost; the old snapshot remains valid.
        let fs2 = SimulatedFileSystem()
        let log2 = try WALTest.open(fs2)
        try log2.append(WALTest.entries(1...6))
        try log2.sync()
        _ = try log2.createSnapshot(at: 3, confState: ConfState(voters: [1]), data: [3])
        fs2.inject(.init(.syncDirectory))
        XCTAssertThrowsError(try log2.createSnapshot(at: 5, confState: ConfState(voters: [1]), data: [5]))
        fs2.powerLoss()
        XCTAssertEqual(try WALTest.open(fs2).snapshot().metadata.index, 3)
    }

    func testAppliedSnapshotWhoseLogStartWasNotSyncedStillWins() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.append(WALTest.entries(1...4))
        try log.sync()
        let snap = Snapshot(metadata: SnapshotMetadata(index: 50, term: 7, confState: ConfState(voters: [1, 2])), data: [1])
        try log.applySnapshot(snap)  // the file is durable; the log start record is not synced
        fs.powerLoss()
        let reopened = try WALTest.open(fs)
        XCTAssertEqual(try reopened.snapshot(), snap)
        XCTAssertEqual(try reopened.firstIndex(), 51)
        XCTAssertEqual(try reopened.lastIndex(), 50)
        XCTAssertEqual(try reopened.term(at: 50), 7)
    }

    func testCompactionBoundsDiskUse() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs, segmentSize: 4096)
        var peak = 0
        for round in 0..<20 {
            let base = UInt64(round * 50)
            try log.append(WALTest.entries((base + 1)...(base + 50), size: 100))
            try log.sync()
            _ = try log.createSnapshot(at: base + 40, confState: ConfState(voters: [1]), data: [UInt8(round)])
            try log.compact(upTo: base + 41)
            let bytes = try fs.list(WALTest.directory).reduce(0) { $0 + (fs.contents(of: WALTest.directory + "/" + $1)?.count ?? 0) }
            peak = max(peak, bytes)
        }
        // Retained: at most 60 entries of ~140 bytes, in 4 KiB segments, plus one snapshot.
        XCTAssertLessThan(peak, 4 * 4096)
        let stats = log.stats
        XCTAssertEqual(stats.entries, 10)
        XCTAssertLessThanOrEqual(stats.segments, 2)
        XCTAssertEqual(Int(stats.segmentBytes), try fs.list(WALTest.directory).filter { $0.hasPrefix("wal-") }
            .reduce(0) { $0 + fs.contents(of: WALTest.directory + "/" + $1)!.count })
        XCTAssertEqual(try fs.list(WALTest.directory).filter { $0.hasPrefix("snap-") }.count, 1)
        fs.powerLoss()
        let reopened = try WALTest.open(fs, segmentSize: 4096)
        XCTAssertEqual(try reopened.firstIndex(), 991)
        XCTAssertEqual(try WALTest.all(reopened), WALTest.entries(991...1000, size: 100))
    }

    func testOldEntriesComeFromDiskRecentOnesFromTheCache() throws {
        let fs = SimulatedFileSystem()
        // The cache holds about 3 entries of 100 bytes.
        let log = try WALTest.open(fs, cacheBytes: 350)
        try log.append(WALTest.entries(1...10, size: 100))
        // Read once (applied): from the next append on, the cache holds about its budget.
        XCTAssertEqual(try log.entries(from: 1, to: 11, maxBytes: .max), WALTest.entries(1...10, size: 100))
        try log.append(WALTest.entries(11...11, size: 100))
        try log.sync()
        // Damage every payload on disk: entries still served come from the cache.
        let path = WALTest.segmentPath(1)
        let scan = try SegmentScanner.scan(file: fs.open(path), verifyPayloads: false)
        var bytes = fs.contents(of: path)!
        for record in scan.records where record.header.type == .entry { bytes[Int(record.offset) + 40] ^= 0xFF }
        fs.setContents(of: path, to: bytes)
        XCTAssertEqual(log.stats.cachedEntries, 3)
        XCTAssertEqual(log.stats.cachedBytes, 300)
        XCTAssertEqual(try log.entries(from: 9, to: 12, maxBytes: .max), WALTest.entries(9...11, size: 100))
        XCTAssertThrowsError(try log.entries(from: 8, to: 9, maxBytes: .max)) { error in
            guard case let .io(message) = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("payload CRC mismatch for entry 8"), message)
        }
    }

    /// Entries appended and not read yet (still to be applied) stay in memory beyond the budget: a burst
    /// larger than it is applied from memory, not read back from the segment file.
    func testEntriesNotReadYetStayCachedBeyondTheBudget() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs, cacheBytes: 350)
        try log.append(WALTest.entries(1...4, size: 100))
        try log.append(WALTest.entries(5...8, size: 100))
        try log.append(WALTest.entries(9...12, size: 100))
        try log.sync()
        XCTAssertEqual(log.stats.cachedEntries, 12)
        XCTAssertEqual(log.stats.cachedBytes, 1200)
        // Damage every payload on disk: all twelve still come from memory, once.
        let path = WALTest.segmentPath(1)
        let scan = try SegmentScanner.scan(file: fs.open(path), verifyPayloads: false)
        var bytes = fs.contents(of: path)!
        for record in scan.records where record.header.type == .entry { bytes[Int(record.offset) + 40] ^= 0xFF }
        fs.setContents(of: path, to: bytes)
        XCTAssertEqual(try log.entries(from: 1, to: 13, maxBytes: .max), WALTest.entries(1...12, size: 100))
        // Read: the next append brings the cache back to its budget.
        try log.append(WALTest.entries(13...13, size: 100))
        XCTAssertEqual(log.stats.cachedEntries, 3)
        XCTAssertEqual(log.stats.cachedBytes, 300)
        XCTAssertThrowsError(try log.entries(from: 10, to: 11, maxBytes: .max))
        // Entries that replace read ones (a new leader's) count as not read.
        try log.append([Entry(term: 2, index: 12, data: [UInt8](repeating: 7, count: 100)), Entry(term: 2, index: 13, data: [1])])
        try log.append([Entry(term: 2, index: 14, data: [UInt8](repeating: 8, count: 300))])
        XCTAssertEqual(log.stats.cachedEntries, 3)  // 11 (read) went; 12 and 13 of term 2 stay
        XCTAssertEqual(log.stats.cachedBytes, 401)
        XCTAssertEqual(try log.entries(from: 12, to: 15, maxBytes: .max).map(\.term), [2, 2, 2])
    }
}
