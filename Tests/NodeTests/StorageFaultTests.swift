import Foundation
import Node
import Raft
import RaftStorage
import XCTest

/// A node's Ready loop over the durable log on the fault-injecting file system:
/// damage found after start and a full disk stop the driver with an error that
/// names the file (and offset), and a node whose disk has room again restarts
/// cleanly from what was synced.
final class StorageFaultTests: XCTestCase {
    private let directory = "/data/n1/wal"

    private func openLog(_ fs: SimulatedFileSystem, segmentSize: UInt64 = 2048, cacheBytes: UInt64 = 0) throws -> DurableLogStorage {
        try DurableLogStorage(directory: directory, fileSystem: fs,
                              options: .init(segmentSize: segmentSize, cacheBytes: cacheBytes), confState: ConfState(voters: [1]))
    }

    private func driver(_ storage: DurableLogStorage) throws -> NodeDriver {
        var config = Config(id: 1)
        config.electionTick = 5
        return try NodeDriver(config: config, storage: storage)
    }

    /// Handles every Ready (bounded); rethrows the driver's error.
    private func settle(_ driver: inout NodeDriver) throws {
        for _ in 0..<1000 where driver.hasReady {
            _ = try driver.handleReady(send: { _ in }, now: { ContinuousClock().now })
        }
        XCTAssertFalse(driver.hasReady, "the driver did not settle")
    }

    /// A single-node log of `count` proposals of 300 bytes over several segments.
    private func writtenLog(_ fs: SimulatedFileSystem, count: Int) throws -> (hash: UInt64, applied: UInt64) {
        let storage = try openLog(fs)
        defer { storage.close() }
        var node = try driver(storage)
        node.campaign()
        try settle(&node)
        XCTAssertEqual(node.raft.role, .leader)
        for i in 0..<count {
            _ = try node.propose([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 300))
            try settle(&node)
        }
        XCTAssertGreaterThanOrEqual(storage.segmentCount, 2)
        return (node.state.rollingHash, node.state.appliedIndex)
    }

    func testAFlippedByteInASealedSegmentStopsTheDriverNamingFileAndOffset() throws {
        let fs = SimulatedFileSystem()
        _ = try writtenLog(fs, count: 20)
        // Damage the payload of an entry in the first (sealed) segment: open does not read it (lazily verified).
        let inspection = try WALInspection.inspect(directory: directory, fileSystem: fs)
        let record = try XCTUnwrap(inspection.segments[0].records.last { $0.type == .entry && $0.size >= 300 })
        let path = directory + "/" + inspection.segments[0].name
        var bytes = fs.contents(of: path)!
        bytes[Int(record.offset) + 32 + 100] ^= 0x20
        fs.setContents(of: path, to: bytes)
        let storage = try openLog(fs)
        XCTAssertTrue(storage.recoveryReport.isClean)
        var node = try driver(storage)
        // Restarted, the driver applies the log from the start and reads the damaged entry: it stops.
        XCTAssertThrowsError(try settle(&node)) { error in
            guard case .storage(.io(let message))? = error as? NodeDriverError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("\(path): offset \(record.offset): payload CRC mismatch for entry \(record.index)"), message)
        }
        XCTAssertLessThan(node.state.appliedIndex, record.index, "nothing at or after the damaged entry is applied")
        // It stays stopped: no work is handed out again (no spinning over the same failure).
        XCTAssertTrue(node.hasReady)
        XCTAssertThrowsError(try node.handleReady(send: { _ in XCTFail("sent a message") }, now: { ContinuousClock().now }))
    }

    func testAFullDiskStopsTheDriverAndTheNodeRestartsCleanlyOnceThereIsSpace() throws {
        let fs = SimulatedFileSystem()
        let before = try writtenLog(fs, count: 8)
        let storage = try openLog(fs)
        var node = try driver(storage)
        try settle(&node)  // applies the log again (membership first: no campaign before)
        XCTAssertEqual(node.state.rollingHash, before.hash)
        node.campaign()
        try settle(&node)
        // The disk fills: every segment write fails after writing 40 bytes of it, and cutting them back fails too.
        fs.inject(.init(.write, pathContains: ".seg", errno: ENOSPC, tornBytes: 40, sticky: true))
        fs.inject(.init(.truncate, pathContains: ".seg", errno: EIO, sticky: true))
        _ = try node.propose([UInt8](repeating: 0xEE, count: 300))
        XCTAssertThrowsError(try settle(&node)) { error in
            guard case .storage(.io(let message))? = error as? NodeDriverError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains(self.directory) && message.contains("No space left on device"), message)
        }
        XCTAssertTrue(storage.hasFailed, "the storage latched: what reached the disk is unknown")
        let appliedAtFailure = node.state.appliedIndex
        // The process exits; the torn bytes happened to reach the disk. Space is freed, the node restarts.
        let segments = try fs.list(directory).filter { $0.hasSuffix(".seg") }.map { directory + "/" + $0 }
        storage.close()
        fs.powerLoss(keepUnsyncedBytes: Dictionary(uniqueKeysWithValues: segments.map { ($0, 40) }))
        fs.clearFaults()
        let reopened = try openLog(fs)
        XCTAssertEqual(reopened.recoveryReport.truncatedTails.count, 1, "the partial record is a torn tail: \(reopened.recoveryReport)")
        XCTAssertEqual(reopened.recoveryReport.truncatedTails.first?.droppedBytes, 40)
        XCTAssertNil(reopened.logLoss, "nothing acknowledged was lost")
        var restarted = try driver(reopened)
        try settle(&restarted)
        restarted.campaign()
        try settle(&restarted)
        XCTAssertGreaterThanOrEqual(restarted.state.appliedIndex, appliedAtFailure)
        _ = try restarted.propose(Array("after the disk had room again".utf8))
        try settle(&restarted)
        XCTAssertEqual(restarted.state.entries.last.map(\.dataHash),
                       AppliedEntry(Entry(term: 0, index: 0, data: Array("after the disk had room again".utf8))).dataHash)
    }
}
