import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `raftcast demo` on a real pseudo-terminal 80 columns wide: its live view is redrawn in place without
/// leaving a stale line behind (every line is cut to the width, so none wraps onto a row the next redraw
/// would not clear), replayed through ``TerminalScreen``.
final class DemoTerminalTests: XCTestCase {
    func testTheLiveViewAt80ColumnsLeavesNoStaleLines() throws {
        let media = try ScriptMedia.make(kind: "mp3-cbr", seconds: 14, name: "terminal-view-with-a-rather-long-name.mp3")
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        XCTAssertEqual(openpty(&master, &slave, nil, nil, &size), 0, "openpty")
        defer { close(master) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try RaftcastExecutable.path())
        process.arguments = ["demo", "--media", media, "--kill-after", "3"]
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        process.standardOutput = terminal
        process.standardError = terminal
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try terminal.close()  // the child holds its copy; the master sees EOF (EIO) once it exits

        // Read until the child's side closes, bounded.
        var output = [UInt8]()
        let deadline = ContinuousClock.now + .seconds(150)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1000) >= 0 else { break }
            if poller.revents == 0 { continue }
            let count = read(master, &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[..<count]
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        var screen = TerminalScreen(width: 80)
        screen.feed(text)
        let lines = screen.lines
        let context = lines.joined(separator: "\n")
        if let work = lines.first(where: { $0.hasPrefix("work folder: ") })?.dropFirst("work folder: ".count).split(separator: " ").first {
            addTeardownBlock { try? FileManager.default.removeItem(atPath: String(work)) }
        }

        XCTAssertEqual(process.terminationStatus, 0, context)
        XCTAssertTrue(text.contains("\u{1B}[J"), "the live view was redrawn in place")
        XCTAssertEqual(lines.filter { $0.hasPrefix("NODE ") }.count, 1, "one table header left: \(context)")
        XCTAssertEqual(lines.filter { $0.hasPrefix("raftcast demo  ") }.count, 1, "one status line left: \(context)")
        XCTAssertTrue(lines.allSatisfy { $0.count <= 80 }, context)
        XCTAssertTrue(lines.contains { $0.contains("verdict: PASS") }, context)
    }
}
