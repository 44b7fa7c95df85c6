import Foundation
import Raft
import RaftStorage
import XCTest

/// The file-system seam: the same behaviour from the POSIX and the simulated
/// implementation, and the simulated one's model of durability.
final class FileSystemTests: XCTestCase {
    private func exerciseBasics(_ fs: any FileSystem, root: String) throws {
        try fs.makeDirectory(root + "/a/b")
        XCTAssertTrue(fs.isDirectory(root + "/a/b"))
        let file = try fs.create(root + "/a/b/f")
        XCTAssertThrowsError(try fs.create(root + "/a/b/f")) { XCTAssertEqual(($0 as? FileSystemError)?.errno, EEXIST) }
        try file.write(Array("hello world".utf8), at: 0)
        try file.write(Array("W".utf8), at: 6)
        try file.dataSync()
        XCTAssertEqual(try file.size(), 11)
        XCTAssertEqual(try file.read(count: 100, at: 6), Array("World".utf8))
        XCTAssertEqual(try file.read(count: 4, at: 20), [])
        try file.truncate(to: 5)
        try file.sync()
        XCTAssertEqual(try file.read(count: 100, at: 0), Array("hello".utf8))
        file.close()
        try fs.rename(root + "/a/b/f", to: root + "/a/b/g")
        try fs.syncDirectory(root + "/a/b")
        XCTAssertEqual(try fs.list(root + "/a/b"), ["g"])
        XCTAssertEqual(try fs.open(root + "/a/b/g").read(count: 5, at: 0), Array("hello".utf8))
        try fs.remove(root + "/a/b/g")
        XCTAssertEqual(try fs.list(root + "/a/b"), [])
        XCTAssertThrowsError(try fs.open(root + "/a/b/g")) { error in
            XCTAssertEqual((error as? FileSystemError)?.path, root + "/a/b/g")
            XCTAssertEqual((error as? FileSystemError)?.errno, ENOENT)
        }
        XCTAssertThrowsError(try fs.list(root + "/nope"))
    }

    func testPOSIXBasics() throws {
        let dir = try TemporaryDirectory()
        try exerciseBasics(POSIXFileSystem.shared, root: dir.path)
    }

    func testSimulatedBasics() throws {
        try exerciseBasics(SimulatedFileSystem(), root: "/data")
    }

    func testSimulatedDurabilityModel() throws {
        let fs = SimulatedFileSystem()
        try fs.makeDirectory("/d")
        let synced = try fs.create("/d/synced")
        try synced.write([1, 2, 3], at: 0)
        try synced.dataSync()
        try synced.write([4], at: 3)  // written, not synced
        let unsyncedName = try fs.create("/d/new")  // its name is not durable yet
        try unsyncedName.write([9], at: 0)
        try unsyncedName.dataSync()
        fs.powerLoss()
        XCTAssertNil(fs.contents(of: "/d/synced"), "a created file needs a directory sync")

        let a = try fs.create("/d/a")
        try a.write([1, 2, 3], at: 0)
        try a.dataSync()
        try fs.syncDirectory("/d")
        try a.write([4, 5], at: 3)
        try fs.rename("/d/a", to: "/d/b")  // not durable without a directory sync
        fs.powerLoss()
        XCTAssertEqual(fs.contents(of: "/d/a"), [1, 2, 3])
        XCTAssertNil(fs.contents(of: "/d/b"))
        XCTAssertThrowsError(try a.write([0], at: 0), "handles die with the power")

        let reopened = try fs.open("/d/a")
        try reopened.write([4, 5, 6, 7], at: 3)
        fs.powerLoss(keepUnsyncedBytes: ["/d/a": 2])  // a torn write: part of the unsynced tail reached the disk
        XCTAssertEqual(fs.contents(of: "/d/a"), [1, 2, 3, 4, 5])
    }

    func testSimulatedFaults() throws {
        let fs = SimulatedFileSystem()
        try fs.makeDirectory("/d")
        let f = try fs.create("/d/f")
        fs.inject(.init(.write, pathContains: "/d/f", after: 1, errno: ENOSPC, tornBytes: 2, sticky: true))
        try f.write([1, 1, 1], at: 0)  // the first write passes
        XCTAssertThrowsError(try f.write([2, 2, 2, 2], at: 3)) { error in
            XCTAssertEqual(error as? FileSystemError, FileSystemError(path: "/d/f", reason: "No space left on device", errno: ENOSPC))
        }
        XCTAssertEqual(fs.contents(of: "/d/f"), [1, 1, 1, 2, 2], "a torn write leaves its first bytes")
        XCTAssertThrowsError(try f.write([3], at: 5), "sticky: the disk stays full")
        fs.clearFaults()
        try f.write([3], at: 5)
        fs.inject(.init(.sync, errno: EIO))
        XCTAssertThrowsError(try f.dataSync())
        try f.dataSync()  // one-shot
        XCTAssertEqual(fs.operationCounts.fileSyncs, 2)
    }

    func testOpeningALogWhereNoDirectoryCanBeMadeNamesThePath() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path + "/plain-file"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data([1])))
        XCTAssertThrowsError(try DurableLogStorage(directory: file + "/wal")) { error in
            guard case let .io(fsError) = error as? WALError else { return XCTFail("\(error)") }
            XCTAssertTrue(fsError.path.hasPrefix(file), "\(fsError)")
            XCTAssertEqual(fsError.reason, "Not a directory")
        }
    }

    func testOneStoragePerDirectory() throws {
        let dir = try TemporaryDirectory()
        let simulated = SimulatedFileSystem()
        for (fs, path) in [(POSIXFileSystem.shared as any FileSystem, dir.path + "/wal"), (simulated, "/wal")] {
            let first = try DurableLogStorage(directory: path, fileSystem: fs)
            try first.append(WALTest.entries(1...2))
            try first.sync()
            XCTAssertThrowsError(try DurableLogStorage(directory: path, fileSystem: fs)) { error in
                guard case let .io(fsError) = error as? WALError else { return XCTFail("\(error)") }
                XCTAssertEqual(fsError.path, path + "/" + FileLock.fileName)
                XCTAssertTrue(fsError.reason.hasPrefix("locked by another process"), fsError.reason)
            }
            XCTAssertThrowsError(try WALRepair.truncate(directory: path, file: WALFormat.segmentName(1), offset: 32, fileSystem: fs))
            first.close()
            XCTAssertThrowsError(try first.append(WALTest.entries(3...3)))
            let second = try DurableLogStorage(directory: path, fileSystem: fs)
            XCTAssertEqual(try second.lastIndex(), 2)
            XCTAssertTrue(second.recoveryReport.isClean, "\(second.recoveryReport)")
        }
    }
}
