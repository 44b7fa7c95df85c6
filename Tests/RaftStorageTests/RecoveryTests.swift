import Raft
import RaftStorage
import XCTest

/// Crash recovery through the fault-injecting file system: torn tails, bit
/// flips, lost segments. After each: every synced entry survives and no
/// corrupted one does, or open fails naming the file and offset.
final class RecoveryTests: XCTestCase {
    private let segment1 = WALTest.segmentPath(1)

    /// Writes entries 1...5 (one sync per entry) and returns the file system,
    /// the segment bytes, and where each entry's record starts and ends.
    private func smallLog() throws -> (SimulatedFileSystem, [UInt8], [(start: Int, end: Int)]) {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.setHardState(HardState(term: 1, vote: 1, commit: 0))
        var bounds: [(Int, Int)] = []
        for i in 1...5 as ClosedRange<UInt64> {
            let start = fs.contents(of: segment1)!.count
            try log.append([WALTest.entry(i, size: 20 + Int(i))])
            try log.sync()
            bounds.append((start, fs.contents(of: segment1)!.count))
        }
        return (fs, fs.contents(of: segment1)!, bounds)
    }

    func testTruncationAtEveryByteOffset() throws {
        let (fs, bytes, bounds) = try smallLog()
        let scan = try SegmentScanner.scan(file: fs.open(segment1), verifyPayloads: true)
        XCTAssertNil(scan.stop)
        let recordEnds = Set([32] + scan.records.map { $0.offset + $0.size })
        for cut in 0...bytes.count {
            let fs = SimulatedFileSystem()
            try fs.makeDirectory(WALTest.directory)
            fs.setContents(of: segment1, to: Array(bytes[0..<cut]))
            let log = try WALTest.open(fs)
            let complete = bounds.filter { $0.end <= cut }.count
            XCTAssertEqual(try log.lastIndex(), UInt64(complete), "cut at \(cut)")
            XCTAssertEqual(try WALTest.all(log), (0..<complete).map { WALTest.entry(UInt64($0 + 1), size: 21 + $0) }, "cut at \(cut)")
            if cut >= 32 && !recordEnds.contains(UInt64(cut)) {
                XCTAssertEqual(log.recoveryReport.truncatedTails.count, 1, "cut at \(cut): \(log.recoveryReport)")
            }
            if cut == bytes.count { XCTAssertTrue(log.recoveryReport.isClean, "\(log.recoveryReport)") }
            // The log goes on: a new entry after recovery survives a power loss.
            try log.append([WALTest.entry(UInt64(complete + 1), term: 2)])
            try log.sync()
            fs.powerLoss()
            let reopened = try WALTest.open(fs)
            XCTAssertEqual(try reopened.lastIndex(), UInt64(complete + 1), "cut at \(cut)")
            XCTAssertEqual(try reopened.term(at: UInt64(complete + 1)), 2)
            XCTAssertTrue(reopened.recoveryReport.isClean, "cut at \(cut): \(reopened.recoveryReport)")
        }
    }

    func testBitFlipInEveryFieldOfAMiddleRecord() throws {
        let (_, bytes, bounds) = try smallLog()
        let record = bounds[2].start  // entry 3, followed by entries 4 and 5
        let fields: [(String, Int)] = [
            ("length", 0), ("type", 4), ("kind", 5), ("reserved", 6), ("index", 8), ("term", 16),
            ("payload CRC", 24), ("header CRC", 28), ("payload", 32), ("payload end", 32 + 22),
        ]
        for (name, fieldOffset) in fields {
            for bit in [0, 7] {
                var damaged = bytes
                damaged[record + fieldOffset] ^= UInt8(1 << bit)
                let fs = SimulatedFileSystem()
                try fs.makeDirectory(WALTest.directory)
                fs.setContents(of: segment1, to: damaged)
                assertCorruption(try WALTest.open(fs), file: segment1, offset: UInt64(record), "\(name) bit \(bit)")
            }
        }
    }

    /// A complete last record that fails a check is damage, not a torn write: cutting it silently could
    /// drop an entry the node acknowledged. Open refuses, naming the file and offset and the repair command.
    func testBitFlipInTheLastRecordIsCorruptionNotATornTail() throws {
        let (_, bytes, bounds) = try smallLog()
        let record = bounds[4].start
        for fieldOffset in [0, 4, 8, 16, 24, 28, 32, 40] {
            var damaged = bytes
            damaged[record + fieldOffset] ^= 0x10
            let fs = SimulatedFileSystem()
            try fs.makeDirectory(WALTest.directory)
            fs.setContents(of: segment1, to: damaged)
            assertCorruption(try WALTest.open(fs), file: segment1, offset: UInt64(record),
                             reason: "--truncate-at wal-0000000000000001.seg:\(record) --yes", "offset \(fieldOffset)")
            XCTAssertEqual(fs.contents(of: segment1), damaged, "nothing is cut")
        }
    }

    /// What an interrupted append leaves is a torn tail, cut off at open: a record cut short by the end
    /// of the file, or zeros (a zero-filled or preallocated tail), after the last complete record.
    func testPartialOrZeroFilledTailIsATornTail() throws {
        let (_, bytes, bounds) = try smallLog()
        let record = bounds[4].start
        let tails: [(String, [UInt8])] = [
            ("partial header", Array(bytes[..<(record + 20)])),
            ("partial payload", Array(bytes[..<(record + 40)])),
            ("zero-filled 4 KiB", Array(bytes[..<record]) + [UInt8](repeating: 0, count: 4096)),
            ("zero header then end", Array(bytes[..<record]) + [UInt8](repeating: 0, count: 32)),
        ]
        for (name, content) in tails {
            let fs = SimulatedFileSystem()
            try fs.makeDirectory(WALTest.directory)
            fs.setContents(of: segment1, to: content)
            let log = try WALTest.open(fs)
            XCTAssertEqual(try log.lastIndex(), 4, name)
            XCTAssertEqual(log.recoveryReport.truncatedTails.first?.offset, UInt64(record), name)
            XCTAssertEqual(fs.contents(of: segment1)?.count, record, "\(name): the torn tail is cut off")
            XCTAssertNil(log.logLoss, "\(name): nothing synced was lost")
        }
        // Zeros followed by a stray non-zero byte are not a zero-filled tail.
        var content = Array(bytes[..<record]) + [UInt8](repeating: 0, count: 64)
        content[record + 50] = 7
        let fs = SimulatedFileSystem()
        try fs.makeDirectory(WALTest.directory)
        fs.setContents(of: segment1, to: content)
        assertCorruption(try WALTest.open(fs), file: segment1, offset: UInt64(record), reason: "not a torn write")
    }

    func testHardStateSurvivesAndCorruptHeaderFails() throws {
        let (fs, bytes, _) = try smallLog()
        XCTAssertEqual(try WALTest.open(fs).initialState().0, HardState(term: 1, vote: 1, commit: 0))
        var damaged = bytes
        damaged[3] ^= 1  // segment magic
        let other = SimulatedFileSystem()
        try other.makeDirectory(WALTest.directory)
        other.setContents(of: segment1, to: damaged)
        assertCorruption(try WALTest.open(other), file: segment1, offset: 0, reason: "magic")
        damaged = bytes
        damaged[8] = 9  // version
        other.setContents(of: segment1, to: damaged)
        assertCorruption(try WALTest.open(other), file: segment1, offset: 0, reason: "CRC")
    }

    /// A log spread over several segments (each holds two entries).
    private func segmentedLog() throws -> SimulatedFileSystem {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs, segmentSize: 256)
        for i in 1...10 as ClosedRange<UInt64> {
            try log.append([WALTest.entry(i)])
            try log.sync()
        }
        XCTAssertGreaterThan(log.segmentCount, 3)
        return fs
    }

    func testLostMiddleSegmentIsCorruptionNamingIt() throws {
        let fs = try segmentedLog()
        fs.removeDurably(WALTest.segmentPath(2))
        assertCorruption(try WALTest.open(fs, segmentSize: 256), file: WALTest.segmentPath(2), offset: 0, reason: "segment missing")
    }

    func testLostLastSegmentIsDetectedByTheSeal() throws {
        let fs = try segmentedLog()
        let names = try fs.list(WALTest.directory)
        let last = names.compactMap(WALFormat.segmentSequence).max()!
        fs.removeDurably(WALTest.segmentPath(last))
        assertCorruption(try WALTest.open(fs, segmentSize: 256), file: WALTest.segmentPath(last), offset: 0, reason: "sealed")
    }

    func testLostFirstSegmentIsAHole() throws {
        let fs = try segmentedLog()
        fs.removeDurably(WALTest.segmentPath(1))
        assertCorruption(try WALTest.open(fs, segmentSize: 256), file: WALTest.segmentPath(2), reason: "entries 1...")
    }

    func testPayloadDamageInASealedSegmentIsFoundOnReadOrAtOpenWhenVerifyingAll() throws {
        let fs = try segmentedLog()
        var bytes = fs.contents(of: WALTest.segmentPath(1))!
        let last = bytes.count - 32 - 8 // seal record is last; entry 2's payload ends just before (padded)
        bytes[last - 4] ^= 0xFF
        fs.setContents(of: WALTest.segmentPath(1), to: bytes)
        // Lazy: open succeeds (sealed segments' payloads are checked on read), the read fails naming the file.
        let log = try WALTest.open(fs, segmentSize: 256, cacheBytes: 0)
        XCTAssertEqual(try log.entries(from: 1, to: 2, maxBytes: .max), [WALTest.entry(1)])
        XCTAssertThrowsError(try log.entries(from: 2, to: 3, maxBytes: .max)) { error in
            guard case let .io(message) = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix(WALTest.segmentPath(1) + ": offset "), message)
            XCTAssertTrue(message.contains("payload CRC mismatch for entry 2"), message)
        }
        // Verifying everything at open: open fails.
        log.close()
        assertCorruption(try WALTest.open(fs, segmentSize: 256, verifyAll: true), file: WALTest.segmentPath(1), reason: "payload CRC")
    }

    func testCrashDuringSegmentCreationLeavesAnUnfinishedSegment() throws {
        let fs = try segmentedLog()
        let last = try fs.list(WALTest.directory).compactMap(WALFormat.segmentSequence).max()!
        // A next segment whose header never reached the disk (only 10 bytes of it).
        fs.setContents(of: WALTest.segmentPath(last + 1), to: Array(SegmentHeader(sequence: last + 1).encoded.prefix(10)))
        let log = try WALTest.open(fs, segmentSize: 256)
        XCTAssertEqual(try log.lastIndex(), 10)
        XCTAssertTrue(log.recoveryReport.warnings.contains { $0.contains("unfinished segment") }, "\(log.recoveryReport)")
        XCTAssertNil(fs.contents(of: WALTest.segmentPath(last + 1)))
    }

    func testCrashWhileSealingASegmentIsATornTail() throws {
        let fs = try segmentedLog()
        let last = try fs.list(WALTest.directory).compactMap(WALFormat.segmentSequence).max()!
        let previous = WALTest.segmentPath(last - 1)
        let inspection = try WALInspection.inspect(directory: WALTest.directory, fileSystem: fs)
        let expected = inspection.segments.dropLast().flatMap(\.records).filter { $0.type == .entry }.map(\.index)
        // The crash state: the new segment holds only its header, the seal of the previous one is half written.
        var bytes = fs.contents(of: previous)!
        XCTAssertEqual(inspection.segments[inspection.segments.count - 2].records.last?.type, .seal)
        bytes.removeLast(32 - 10)
        fs.setContents(of: previous, to: bytes)
        fs.setContents(of: WALTest.segmentPath(last), to: SegmentHeader(sequence: last).encoded)
        let log = try WALTest.open(fs, segmentSize: 256)
        XCTAssertEqual(try WALTest.all(log).map(\.index), expected)
        XCTAssertEqual(log.recoveryReport.truncatedTails.map(\.file), [previous])
        // The log goes on in the new segment, and a later open is clean.
        try log.append([WALTest.entry(UInt64(expected.count + 1))])
        try log.sync()
        fs.powerLoss()
        let reopened = try WALTest.open(fs, segmentSize: 256)
        XCTAssertEqual(try reopened.lastIndex(), UInt64(expected.count + 1))
        XCTAssertTrue(reopened.recoveryReport.isClean, "\(reopened.recoveryReport)")
    }

    func testTornTailBeforeASegmentWithRecordsIsCorruption() throws {
        let fs = try segmentedLog()
        let path = WALTest.segmentPath(2)
        var bytes = fs.contents(of: path)!
        bytes.removeLast(20)  // cut into the seal of segment 2; segment 3 holds entries
        fs.setContents(of: path, to: bytes)
        assertCorruption(try WALTest.open(fs, segmentSize: 256), file: path, reason: "later segment")
    }

    func testAllSegmentsLostBesideASnapshotIsCorruption() throws {
        let fs = try segmentedLog()
        let log = try WALTest.open(fs, segmentSize: 256)
        _ = try log.createSnapshot(at: 5, confState: ConfState(voters: [1]), data: [5])
        log.close()
        for name in try fs.list(WALTest.directory) where WALFormat.segmentSequence(name) != nil {
            fs.removeDurably(WALTest.directory + "/" + name)
        }
        assertCorruption(try WALTest.open(fs, segmentSize: 256), file: WALTest.segmentPath(1), offset: 0, reason: "no segment files")
    }

    func testOpenReadsHeadersNotPayloadsOfSealedSegments() throws {
        let fs = SimulatedFileSystem()
        var log: DurableLogStorage? = try WALTest.open(fs, segmentSize: 1 << 20)
        for i in 1...16 as ClosedRange<UInt64> {
            try log!.append([Entry(term: 1, index: i, data: [UInt8](repeating: UInt8(i), count: 200_000))])
            try log!.sync()
        }
        XCTAssertGreaterThanOrEqual(log!.segmentCount, 4)
        log = nil
        let files = try fs.list(WALTest.directory).filter { $0.hasPrefix("wal-") }
        let total = files.reduce(0) { $0 + fs.contents(of: WALTest.directory + "/" + $1)!.count }
        let last = fs.contents(of: WALTest.directory + "/" + files.last!)!.count

        var before = fs.operationCounts.bytesRead
        let lazy = try WALTest.open(fs, segmentSize: 1 << 20)
        let lazyRead = fs.operationCounts.bytesRead - before
        XCTAssertEqual(try lazy.lastIndex(), 16)
        lazy.close()
        before = fs.operationCounts.bytesRead
        _ = try WALTest.open(fs, segmentSize: 1 << 20, verifyAll: true)
        let fullRead = fs.operationCounts.bytesRead - before

        XCTAssertGreaterThanOrEqual(fullRead, total, "verifying everything reads every byte")
        // Lazy: the last segment in full, then 16 KiB per record header of the sealed ones.
        XCTAssertLessThan(lazyRead, last + (total - last) / 5, "lazy open read \(lazyRead) of \(total) bytes")
    }
}
