import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A `raftcast` process whose stdout is a pipe read line by line with a time bound.
final class DemoPipe: @unchecked Sendable {
    let process = Process()
    private let pipe = Pipe()
    private var buffer = [UInt8]()
    private var closed = false

    /// Starts `raftcast arguments…`; its stderr goes to the file `stderrPath`, or into the pipe when nil.
    init(arguments: [String], stderrPath: String?) throws {
        process.executableURL = URL(fileURLWithPath: try RaftcastExecutable.path())
        process.arguments = arguments
        process.standardOutput = pipe
        var stderrFile: FileHandle?
        if let stderrPath {
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            stderrFile = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        }
        defer { try? stderrFile?.close() }
        process.standardError = stderrFile ?? pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Only the child keeps a writing end: this test closing its reading end is what the child sees.
        try? pipe.fileHandleForWriting.close()
    }

    /// The first line (from here on) that contains `text`.
    func readLine(containing text: String, timeout: Duration) throws -> String {
        let deadline = ContinuousClock.now + timeout
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                if line.contains(text) { return line }
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw EndOfOutput(waitingFor: text, reason: "timed out after \(timeout)") }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(1000, max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            guard poll(&poller, 1, milliseconds) >= 0 else { continue }
            if poller.revents == 0 { continue }
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { throw EndOfOutput(waitingFor: text, reason: "the demo's output ended") }
            buffer += chunk[..<count]
        }
    }

    /// Closes the reading end (the demo's next write fails with EPIPE).
    func close() {
        guard !closed else { return }
        closed = true
        try? pipe.fileHandleForReading.close()
    }

    struct EndOfOutput: Error, CustomStringConvertible {
        var waitingFor: String
        var reason: String
        var description: String { "no line with '\(waitingFor)': \(reason)" }
    }
}
