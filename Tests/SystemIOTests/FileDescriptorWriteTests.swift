import Foundation
import SystemIO
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The shared write-everything loop against real descriptors: a pipe written in pieces larger than
/// its buffer while a reader drains it, a file at an offset, and /dev/full (ENOSPC, not a hang).
final class FileDescriptorWriteTests: XCTestCase {
    func testAPipeGetsEveryByteEvenWhenEachWriteIsShort() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let readEnd = fds[0]
        let reader = Thread {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                received += buffer[0..<n]
            }
            close(readEnd)
            ReceivedBox.shared.set(received)
        }
        reader.start()
        XCTAssertNil(bytes.withUnsafeBytes { FileDescriptorWrite.all($0, to: fds[1]) })
        close(fds[1])
        let received = try XCTUnwrap(ReceivedBox.shared.wait(timeout: .seconds(10)))
        XCTAssertEqual(received, bytes)
    }

    func testPositionedWritesLeaveTheRestOfTheFile() throws {
        let path = NSTemporaryDirectory() + "fdwrite-\(UUID().uuidString)"
        defer { unlink(path) }
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertNil(Array("hello world".utf8).withUnsafeBytes { FileDescriptorWrite.all($0, to: fd) })
        XCTAssertNil(Array("WORLD".utf8).withUnsafeBytes { FileDescriptorWrite.all($0, to: fd, at: 6) })
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "hello WORLD")
    }

    func testAFullDeviceIsENOSPC() throws {
        let fd = open("/dev/full", O_WRONLY)
        try XCTSkipIf(fd < 0, "no /dev/full here")
        defer { close(fd) }
        XCTAssertEqual([UInt8](repeating: 1, count: 100).withUnsafeBytes { FileDescriptorWrite.all($0, to: fd) }, ENOSPC)
        XCTAssertNil([UInt8]().withUnsafeBytes { FileDescriptorWrite.all($0, to: fd) }, "nothing to write is no error")
    }
}

/// The pipe reader's result, handed to the test thread with a bounded wait.
private final class ReceivedBox: @unchecked Sendable {
    static let shared = ReceivedBox()
    private let condition = NSCondition()
    private var value: [UInt8]?

    func set(_ bytes: [UInt8]) {
        condition.lock()
        value = bytes
        condition.signal()
        condition.unlock()
    }

    func wait(timeout: Duration) -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
        while value == nil && condition.wait(until: deadline) {}
        defer { value = nil }
        return value
    }
}
