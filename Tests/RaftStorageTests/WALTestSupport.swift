import Raft
import RaftStorage
import XCTest

/// Helpers for the fault-injection tests: a log on a ``SimulatedFileSystem``.
enum WALTest {
    static let directory = "/node/wal"

    static func entry(_ index: UInt64, term: UInt64 = 1, size: Int = 24) -> Entry {
        Entry(term: term, index: index, data: (0..<size).map { UInt8(truncatingIfNeeded: Int(index) &* 13 &+ $0) })
    }

    static func entries(_ range: ClosedRange<UInt64>, term: UInt64 = 1, size: Int = 24) -> [Entry] {
        range.map { entry($0, term: term, size: size) }
    }

    static func open(_ fs: SimulatedFileSystem, segmentSize: UInt64 = 64 << 20, cacheBytes: UInt64 = 64 << 20,
                     verifyAll: Bool = false) throws -> DurableLogStorage {
        try DurableLogStorage(directory: directory, fileSystem: fs,
                              options: .init(segmentSize: segmentSize, cacheBytes: cacheBytes, verifyAllPayloadsAtOpen: verifyAll))
    }

    static func segmentPath(_ sequence: UInt64) -> String { directory + "/" + WALFormat.segmentName(sequence) }

    /// A copy of `fs` holding only the durable files of the log directory.
    static func copyDirectory(_ fs: SimulatedFileSystem, names: [String]) -> SimulatedFileSystem {
        let copy = SimulatedFileSystem()
        try? copy.makeDirectory(directory)
        for name in names {
            if let bytes = fs.contents(of: directory + "/" + name) { copy.setContents(of: directory + "/" + name, to: bytes) }
        }
        return copy
    }

    /// All entries of a storage.
    static func all(_ s: DurableLogStorage) throws -> [Entry] {
        try s.entries(from: s.firstIndex(), to: s.lastIndex() + 1, maxBytes: .max)
    }
}

/// Asserts that `body` throws a corruption error about `file`, and returns it.
@discardableResult
func assertCorruption(_ body: @autoclosure () throws -> Any, file expectedFile: String, offset expectedOffset: UInt64? = nil,
                      reason: String? = nil, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) -> WALError? {
    do {
        _ = try body()
        XCTFail("expected corruption of \(expectedFile) \(message)", file: file, line: line)
    } catch let error as WALError {
        guard case let .corruption(f, offset, why) = error else {
            XCTFail("expected corruption, got \(error) \(message)", file: file, line: line)
            return error
        }
        XCTAssertEqual(f, expectedFile, message, file: file, line: line)
        if let expectedOffset { XCTAssertEqual(offset, expectedOffset, "\(message): \(why)", file: file, line: line) }
        if let reason { XCTAssertTrue(why.contains(reason), "\(message): \(why) does not mention \(reason)", file: file, line: line) }
        return error
    } catch {
        XCTFail("unexpected error \(error) \(message)", file: file, line: line)
    }
    return nil
}
