import Foundation
import Raft
@testable import RaftStorage
import XCTest

/// Synced bytes more than the window behind the log's end leave the page cache: the trimmer's
/// bookkeeping, and on the real file system what `mincore` says is resident.
final class PageCacheWindowTests: XCTestCase {
    typealias Range = PageCacheTrimmer.Range

    func testOnlyBytesBehindTheWindowAreDroppedAndEachOnlyOnce() {
        var trimmer = PageCacheTrimmer(window: 300 << 10)
        XCTAssertEqual(trimmer.synced(sequence: 1, through: 200 << 10), [], "all inside the window")
        XCTAssertEqual(trimmer.synced(sequence: 1, through: 500 << 10), [Range(sequence: 1, from: 0, to: 200 << 10)])
        // The next range starts at the 64 KiB boundary at or before the last end (a page kept then goes now).
        XCTAssertEqual(trimmer.synced(sequence: 1, through: 530 << 10), [Range(sequence: 1, from: 192 << 10, to: 230 << 10)])
        XCTAssertEqual(trimmer.synced(sequence: 1, through: 530 << 10), [], "nothing new synced, nothing dropped")
    }

    func testTheWindowSpansSegmentsAndDroppedSegmentsAreForgotten() {
        var trimmer = PageCacheTrimmer(window: 256 << 10)
        XCTAssertEqual(trimmer.synced(sequence: 7, through: 1 << 20), [Range(sequence: 7, from: 0, to: 768 << 10)])
        // Segment 8 starts: the window reaches back into 7's tail.
        XCTAssertEqual(trimmer.synced(sequence: 8, through: 128 << 10), [Range(sequence: 7, from: 768 << 10, to: 896 << 10)])
        XCTAssertEqual(trimmer.synced(sequence: 8, through: 192 << 10), [Range(sequence: 7, from: 896 << 10, to: 960 << 10)])
        XCTAssertEqual(trimmer.segments.map(\.sequence), [7, 8])
        // Once 8 alone fills the window, 7 goes to its end and is forgotten.
        XCTAssertEqual(trimmer.synced(sequence: 8, through: 512 << 10),
                       [Range(sequence: 7, from: 960 << 10, to: 1 << 20), Range(sequence: 8, from: 0, to: 256 << 10)])
        XCTAssertEqual(trimmer.segments.map(\.sequence), [8])
    }

    func testRemovedSegmentsAreForgotten() {
        var trimmer = PageCacheTrimmer(window: 1 << 20)
        _ = trimmer.synced(sequence: 1, through: 512 << 10)
        _ = trimmer.synced(sequence: 2, through: 256 << 10)
        trimmer.forget(before: 2)
        XCTAssertEqual(trimmer.segments.map(\.sequence), [2])
        XCTAssertEqual(trimmer.synced(sequence: 2, through: 2 << 20), [Range(sequence: 2, from: 0, to: 1 << 20)])
    }

    /// A zero window drops everything synced; the storage never drops a byte that is not synced.
    func testTheStorageDropsOnlySyncedBytes() throws {
        let fs = SimulatedFileSystem()
        let log = try DurableLogStorage(directory: WALTest.directory, fileSystem: fs,
                                        options: .init(segmentSize: 512, cacheBytes: 0, pageCacheWindow: 0))
        for i in 1...40 as ClosedRange<UInt64> {
            try log.append([WALTest.entry(i)])
            if i % 3 == 0 { try log.sync() }
        }
        try log.sync()
        XCTAssertGreaterThan(log.segmentCount, 1)
        XCTAssertEqual(fs.operationCounts.unsyncedCacheDrops, 0)
        var synced = 0
        for name in try fs.list(WALTest.directory) where WALFormat.segmentSequence(name) != nil {
            synced += Int(try fs.open(WALTest.directory + "/" + name).size())
        }
        XCTAssertGreaterThanOrEqual(fs.operationCounts.cacheDroppedBytes, synced, "every synced byte dropped")
        XCTAssertEqual(try WALTest.all(log), WALTest.entries(1...40), "and read back from the files")
    }

    /// On the real file system: after appends and syncs, the segment's pages behind the window are not in
    /// the page cache (`mincore`), those inside it are; with no window, all of them are.
    func testPOSIXPagesBehindTheWindowLeaveThePageCache() throws {
        let root = try TemporaryDirectory()
        guard try Self.fileSystemDropsPages(root.path) else { throw XCTSkip("this file system keeps its pages (tmpfs?)") }
        let window: UInt64 = 1 << 20
        let payload = [UInt8](repeating: 5, count: 60 << 10)
        func fill(_ name: String, window: UInt64?) throws -> (resident: [Bool], end: Int) {
            let directory = root.path + "/" + name
            let log = try DurableLogStorage(directory: directory, options: .init(segmentSize: 64 << 20, cacheBytes: 0, pageCacheWindow: window))
            for i in 1...64 as ClosedRange<UInt64> {  // ~3.9 MiB
                try log.append([Entry(term: 1, index: i, data: payload)])
                try log.sync()
            }
            let path = directory + "/" + WALFormat.segmentName(1)
            let resident = try Self.residentPages(path)
            log.close()
            return (resident, resident.count)
        }
        let kept = try fill("kept", window: nil)
        XCTAssertEqual(kept.resident.filter { $0 }.count, kept.end, "no window: every page stays cached")
        let trimmed = try fill("trimmed", window: window)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let windowPages = Int(window) / page
        let behind = trimmed.resident.dropLast(windowPages + 1)
        let inside = trimmed.resident.suffix(windowPages - 1)
        XCTAssertGreaterThan(behind.count, windowPages, "the test wrote well past the window")
        XCTAssertEqual(behind.filter { $0 }.count, 0, "pages behind the window are not cached")
        XCTAssertEqual(inside.filter { !$0 }.count, 0, "pages inside the window are")
    }

    /// Page-cache residency of every page of a file (mincore over a read-only mapping).
    static func residentPages(_ path: String) throws -> [Bool] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return [] }
        let length = Int(st.st_size)
        guard let map = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else {
            throw POSIXError(.init(rawValue: errno)!)
        }
        defer { munmap(map, length) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (length + page - 1) / page)
        guard mincore(map, length, &vector) == 0 else { throw POSIXError(.init(rawValue: errno)!) }
        return vector.map { $0 & 1 == 1 }
    }

    /// Whether `posix_fadvise(DONTNEED)` drops synced pages of a file in `directory` (not on tmpfs).
    static func fileSystemDropsPages(_ directory: String) throws -> Bool {
        let path = directory + "/probe"
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        defer { close(fd); unlink(path) }
        let bytes = [UInt8](repeating: 1, count: 64 << 10)
        guard pwrite(fd, bytes, bytes.count, 0) == bytes.count, fsync(fd) == 0 else { throw POSIXError(.init(rawValue: errno)!) }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        return try residentPages(path).allSatisfy { !$0 }
    }
}
