import Foundation
import Raft
import RaftStorage
import XCTest

/// Compaction removes old segments at once but closes their handles (when the file system frees their
/// blocks) off the caller's thread: the Raft thread does not wait for it, and nothing is lost.
final class SegmentReleaseTests: XCTestCase {
    func testCompactionReturnsWhileTheRemovedSegmentsAreStillBeingClosed() throws {
        let simulated = SimulatedFileSystem()
        let fs = GatedCloseFileSystem(simulated)
        let options = DurableLogStorage.Options(segmentSize: 256, cacheBytes: 64)
        let log = try DurableLogStorage(directory: WALTest.directory, fileSystem: fs, options: options)
        for i in 1...12 as ClosedRange<UInt64> {
            try log.append([WALTest.entry(i)])
            try log.sync()
        }
        let segmentsBefore = log.segmentCount
        try log.compact(upTo: 9)  // would hang here if the removed segments were closed on this thread
        XCTAssertLessThan(log.segmentCount, segmentsBefore)
        let names = try simulated.list(WALTest.directory).compactMap(WALFormat.segmentSequence)
        XCTAssertEqual(names.count, log.segmentCount, "the removed segments' names are gone at once")
        XCTAssertEqual(fs.closed, [], "their closes are still held")
        // The log goes on while the closes wait, and survives a power loss.
        try log.append(WALTest.entries(13...14))
        try log.sync()
        simulated.powerLoss()
        fs.open()
        log.waitForRetiredSegments()
        XCTAssertEqual(fs.closed.count, segmentsBefore - names.count)
        XCTAssertEqual(fs.closesOnCallerThread, [])
        let reopened = try WALTest.open(simulated, segmentSize: 256)
        XCTAssertEqual(try reopened.firstIndex(), 9)
        XCTAssertEqual(try WALTest.all(reopened), WALTest.entries(9...14))
    }

    func testRemovedSegmentsAreClosedOnTheCallerThreadWhenAskedTo() throws {
        let fs = GatedCloseFileSystem(SimulatedFileSystem())
        fs.open()
        let options = DurableLogStorage.Options(segmentSize: 256, cacheBytes: 64, closesRemovedSegmentsInBackground: false)
        let log = try DurableLogStorage(directory: WALTest.directory, fileSystem: fs, options: options)
        for i in 1...12 as ClosedRange<UInt64> {
            try log.append([WALTest.entry(i)])
            try log.sync()
        }
        try log.compact(upTo: 9)
        XCTAssertFalse(fs.closesOnCallerThread.isEmpty)
        XCTAssertEqual(fs.closesOnCallerThread, fs.closed)
    }

    /// On the real file system: no descriptor of a removed segment is left open (its blocks are freed).
    func testPOSIXRemovedSegmentsLeaveNoOpenDescriptor() throws {
        let root = try TemporaryDirectory()
        let directory = root.path + "/wal"
        let log = try DurableLogStorage(directory: directory, options: .init(segmentSize: 4096, cacheBytes: 1024))
        let payload = [UInt8](repeating: 7, count: 1000)
        for i in 1...40 as ClosedRange<UInt64> {
            try log.append([Entry(term: 1, index: i, data: payload)])
            try log.sync()
        }
        let before = try openSegmentDescriptors(under: directory)
        try log.compact(upTo: 35)
        log.waitForRetiredSegments()
        let after = try openSegmentDescriptors(under: directory)
        XCTAssertLessThan(after.count, before.count)
        XCTAssertEqual(after.filter { $0.hasSuffix("(deleted)") }, [], "a removed segment is still open")
        XCTAssertEqual(after.count, log.segmentCount)
        log.close()
        let reopened = try DurableLogStorage(directory: directory, options: .init(segmentSize: 4096, cacheBytes: 1024))
        XCTAssertEqual(try reopened.firstIndex(), 35)
        XCTAssertEqual(try reopened.entries(from: 35, to: 41, maxBytes: .max).map(\.data), Array(repeating: payload, count: 6))
    }

    /// The targets of this process's descriptors that are segment files under `directory`.
    private func openSegmentDescriptors(under directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd) else { return nil }
            return target.hasPrefix(directory + "/wal-") ? target : nil
        }.sorted()
    }
}
