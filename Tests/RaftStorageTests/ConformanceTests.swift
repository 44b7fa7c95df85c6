import Foundation
import Raft
import RaftStorage
import XCTest

/// The conformance suite against every implementation.
final class ConformanceTests: XCTestCase {
    func testMemoryStorage() {
        let thrown = LogStorageConformance(make: { MemoryStorage(confState: $0) }, reopen: nil).runAll()
        XCTAssertEqual(thrown, [], "conformance checks that threw")
    }

    func testDurableOnRealFileSystem() throws {
        let root = try TemporaryDirectory()
        var count = 0
        let thrown = LogStorageConformance(
            make: { conf in
                count += 1
                return try DurableLogStorage(directory: root.path + "/log\(count)", confState: conf)
            },
            reopen: { s in
                let old = s as! DurableLogStorage
                old.close()
                return try DurableLogStorage(directory: old.directory, options: old.options)
            }
        ).runAll()
        XCTAssertEqual(thrown, [], "conformance checks that threw")
    }

    func testDurableOnSimulatedFileSystemWithPowerLoss() {
        // Small segments, so that rotation and segment removal happen; every reopen is a power loss.
        let fs = SimulatedFileSystem()
        var count = 0
        let options = DurableLogStorage.Options(segmentSize: 256, cacheBytes: 64)
        let thrown = LogStorageConformance(
            make: { conf in
                count += 1
                return try DurableLogStorage(directory: "/log\(count)", fileSystem: fs, options: options, confState: conf)
            },
            reopen: { s in
                fs.powerLoss()
                return try DurableLogStorage(directory: (s as! DurableLogStorage).directory, fileSystem: fs, options: options)
            }
        ).runAll()
        XCTAssertEqual(thrown, [], "conformance checks that threw")
    }
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("raftstorage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
