import Foundation
import Raft
import RaftStorage
import TestSupport
import XCTest

/// `raftcast wal dump` / `wal repair`: the library side and the command line.
final class WALToolTests: XCTestCase {
    private func writeLog(_ directory: String, fileSystem: any FileSystem = POSIXFileSystem.shared) throws {
        let log = try DurableLogStorage(directory: directory, fileSystem: fileSystem, options: .init(segmentSize: 300), confState: ConfState(voters: [1, 2, 3]))
        try log.setHardState(HardState(term: 2, vote: 3, commit: 4))
        try log.append(WALTest.entries(1...3) + [Entry(term: 2, index: 4, kind: .confChange, data: ConfChange(.addLearner, node: 4).encoded)])
        try log.sync()
        _ = try log.createSnapshot(at: 2, confState: ConfState(voters: [1, 2, 3]), data: [1, 2])
    }

    func testInspectionListsRecordsHardStateAndSnapshot() throws {
        let fs = SimulatedFileSystem()
        try writeLog(WALTest.directory, fileSystem: fs)
        let inspection = try WALInspection.inspect(directory: WALTest.directory, fileSystem: fs)
        XCTAssertEqual(inspection.hardState, HardState(term: 2, vote: 3, commit: 4))
        let entries = inspection.segments.flatMap(\.records).filter { $0.type == .entry }
        XCTAssertEqual(entries.map(\.index), [1, 2, 3, 4])
        XCTAssertEqual(entries.map(\.term), [1, 1, 1, 2])
        XCTAssertEqual(entries.map(\.kind), [.normal, .normal, .normal, .confChange])
        XCTAssertEqual(entries.map(\.size), [24, 24, 24, 9])
        XCTAssertTrue(entries.allSatisfy(\.crcOK))
        XCTAssertGreaterThan(inspection.segments.count, 1)
        XCTAssertEqual(inspection.snapshots.count, 1)
        let text = inspection.render()
        XCTAssertTrue(text.contains("hard state: term 2 vote 3 commit 4"), text)
        XCTAssertTrue(text.contains("entry records 4 (indices 1...4), all records valid"), text)
        XCTAssertTrue(text.contains("snapshot snap-0000000000000002-0000000000000001.snap: index 2 term 1 voters [1, 2, 3]"), text)

        // A damaged payload shows as BAD and the stop is explained.
        let path = WALTest.segmentPath(1)
        var bytes = fs.contents(of: path)!
        let first = try XCTUnwrap(inspection.segments[0].records.first { $0.type == .entry })
        bytes[Int(first.offset) + 33] ^= 1
        fs.setContents(of: path, to: bytes)
        let damaged = try WALInspection.inspect(directory: WALTest.directory, fileSystem: fs)
        XCTAssertEqual(damaged.segments[0].stop?.offset, first.offset)
        XCTAssertTrue(damaged.render().contains("STOP at offset \(first.offset): payload CRC mismatch"), damaged.render())
        XCTAssertTrue(damaged.render().contains("damaged: wal-0000000000000001.seg"), damaged.render())
    }

    func testRepairCutsAtARecordBoundaryAndRemovesLaterSegments() throws {
        let fs = SimulatedFileSystem()
        try writeLog(WALTest.directory, fileSystem: fs)
        let inspection = try WALInspection.inspect(directory: WALTest.directory, fileSystem: fs)
        let seal = try XCTUnwrap(inspection.segments[0].records.last)
        XCTAssertEqual(seal.type, .seal)
        let name = inspection.segments[0].name
        XCTAssertThrowsError(try WALRepair.truncate(directory: WALTest.directory, file: name, offset: seal.offset + 1, fileSystem: fs))
        // Cutting the seal off and dropping the later segment leaves entries 1...2 (the snapshot is at 2).
        // The dropped records held entries 3 and 4 (term 2) and the hard state with commit 4: recorded first.
        let lines = try WALRepair.truncate(directory: WALTest.directory, file: name, offset: seal.offset, fileSystem: fs)
        XCTAssertEqual(lines, ["\(WALTest.directory)/log-loss.marker: log loss recorded (entries up to index 4, terms up to 2); "
                                + "the node may have acknowledged them, so it starts again only with --accept-log-loss",
                               "\(WALTest.segmentPath(1)): truncated from \(inspection.segments[0].size) to \(seal.offset) bytes",
                               "\(WALTest.segmentPath(2)): removed"])
        fs.powerLoss()
        let log = try WALTest.open(fs)
        XCTAssertEqual(try WALTest.all(log), WALTest.entries(1...2))
        XCTAssertTrue(log.recoveryReport.isClean, "\(log.recoveryReport)")
        XCTAssertEqual(log.logLoss, LogLoss(index: 4, term: 2))
        XCTAssertEqual(try LogLossMarker.read(in: WALTest.directory, fileSystem: fs), LogLoss(index: 4, term: 2))
        // The node clears the marker once caught up; the kept hard state's commit (4) beyond the log
        // (2) still tells of the loss until a newer hard state is written.
        try log.clearLogLoss()
        log.close()
        XCTAssertNil(try LogLossMarker.read(in: WALTest.directory, fileSystem: fs))
        let reopened = try WALTest.open(fs)
        XCTAssertEqual(reopened.logLoss, LogLoss(index: 4, term: 2))
        try reopened.setHardState(HardState(term: 2, vote: 3, commit: 2))
        try reopened.sync()
        XCTAssertNil(reopened.logLoss)
    }

    func testRepairOfADamagedLastRecordRecordsTheEntryItHeld() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.setHardState(HardState(term: 3, vote: 1, commit: 0))
        try log.append(WALTest.entries(1...5, term: 3))
        try log.setHardState(HardState(term: 3, vote: 1, commit: 5))
        try log.sync()
        log.close()
        var inspection = try WALInspection.inspect(directory: WALTest.directory, fileSystem: fs)
        let fifth = try XCTUnwrap(inspection.segments[0].records.first { $0.type == .entry && $0.index == 5 })
        var bytes = fs.contents(of: WALTest.segmentPath(1))!
        bytes[Int(fifth.offset) + 40] ^= 0x04  // a payload bit of entry 5
        fs.setContents(of: WALTest.segmentPath(1), to: bytes)
        inspection = try WALInspection.inspect(directory: WALTest.directory, fileSystem: fs)
        XCTAssertEqual(inspection.damage, "\(WALTest.segmentPath(1)): corrupt at offset \(fifth.offset): payload CRC mismatch for entry record (index 5, term 3); "
                       + "a valid record follows at offset \(fifth.offset + UInt64(WALFormat.recordSize(payloadLength: 24)))")
        // Open refuses it and says how to cut it.
        assertCorruption(try WALTest.open(fs), file: WALTest.segmentPath(1), offset: fifth.offset,
                         reason: "raftcast wal repair \(WALTest.directory) --truncate-at wal-0000000000000001.seg:\(fifth.offset) --yes")
        _ = try WALRepair.truncate(directory: WALTest.directory, file: WALFormat.segmentName(1), offset: fifth.offset, fileSystem: fs)
        let repaired = try WALTest.open(fs)
        XCTAssertEqual(try repaired.lastIndex(), 4)
        XCTAssertEqual(repaired.logLoss, LogLoss(index: 5, term: 3), "the damaged record's header still names entry 5 and the commit")
    }

    func testAStoredCommitBeyondTheLogIsALogLoss() throws {
        let fs = SimulatedFileSystem()
        let log = try WALTest.open(fs)
        try log.append(WALTest.entries(1...3, term: 2))
        try log.setHardState(HardState(term: 2, vote: 1, commit: 7))
        try log.sync()
        XCTAssertEqual(log.logLoss, LogLoss(index: 7, term: 2))
        try log.recordLogLoss(LogLoss(index: 5, term: 4))
        XCTAssertEqual(log.logLoss, LogLoss(index: 7, term: 4), "the marker and the commit are merged")
        log.close()
        XCTAssertEqual(try LogLossMarker.read(in: WALTest.directory, fileSystem: fs), LogLoss(index: 5, term: 4))
        // A damaged marker is corruption, not ignored.
        var marker = fs.contents(of: WALTest.directory + "/" + LogLossMarker.fileName)!
        marker[20] ^= 1
        fs.setContents(of: WALTest.directory + "/" + LogLossMarker.fileName, to: marker)
        assertCorruption(try WALTest.open(fs), file: WALTest.directory + "/" + LogLossMarker.fileName, offset: 36, reason: "CRC")
    }

    /// Runs the built `raftcast` (bounded in time).
    private func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let result = try RaftcastExecutable.run(arguments)
        return (result.status, result.stdoutText, result.stderrText)
    }

    func testCommandLineDumpAndErrors() throws {
        let dir = try TemporaryDirectory()
        try writeLog(dir.path + "/wal")
        let dump = try run(["wal", "dump", dir.path + "/wal"])
        XCTAssertEqual(dump.status, 0, dump.err)
        XCTAssertTrue(dump.out.contains("hard state: term 2 vote 3 commit 4"), dump.out)
        XCTAssertTrue(dump.out.contains("segment wal-0000000000000001.seg: sequence 1 version 1"), dump.out)
        XCTAssertEqual(dump.out.components(separatedBy: "\n").filter { $0.contains(" entry ") && $0.hasSuffix("ok") }.count, 4, dump.out)

        let missing = try run(["wal", "dump", dir.path + "/nope"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.err, "error: \(dir.path)/nope: not a directory (or does not exist)\n")

        let noConsent = try run(["wal", "repair", dir.path + "/wal", "--truncate-at", "wal-0000000000000001.seg:32"])
        XCTAssertEqual(noConsent.status, 2)
        XCTAssertTrue(noConsent.err.hasPrefix("error: --yes:"), noConsent.err)

        // Damage: the listing still goes to stdout, the damage to stderr in one line, and the status is 1.
        let segment = dir.path + "/wal/wal-0000000000000001.seg"
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: segment))
        let inspection = try WALInspection.inspect(directory: dir.path + "/wal")
        let first = try XCTUnwrap(inspection.segments[0].records.first { $0.type == .entry })
        bytes[Int(first.offset) + 33] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let damaged = try run(["wal", "dump", dir.path + "/wal"])
        XCTAssertEqual(damaged.status, 1, damaged.err)
        XCTAssertTrue(damaged.out.contains("STOP at offset \(first.offset)"), damaged.out)
        XCTAssertEqual(damaged.err, "error: \(segment): corrupt at offset \(first.offset): payload CRC mismatch for entry record (index 1, term 1); "
                       + "a valid record follows at offset \(first.offset + UInt64(WALFormat.recordSize(payloadLength: Int(first.size))))\n")
    }
}
