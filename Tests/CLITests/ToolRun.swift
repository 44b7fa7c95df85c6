import Foundation

/// Runs the built `raftcast` (or a reference tool such as ffmpeg) to completion, within a time bound,
/// and captures its exit status and output.
enum ToolRun {
    /// What a finished process left.
    struct Result {
        var status: Int32
        var stdoutData: Data
        var stderr: String
        var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    }

    /// The process did not finish within its bound and was killed.
    struct TimedOut: Error, CustomStringConvertible {
        var arguments: [String]
        var description: String { "timed out: \(arguments.joined(separator: " "))" }
    }

    /// The `raftcast` executable built beside the test bundle.
    static var raftcastPath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("raftcast").path
    }

    /// Runs `raftcast arguments…`, or `tool arguments…` from PATH, and waits at most `timeout`.
    static func run(_ arguments: [String], tool: String? = nil, timeout: Duration = .seconds(120)) throws -> Result {
        let process = Process()
        if let tool {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: raftcastPath)
            process.arguments = arguments
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so the child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let seconds = Double(timeout.components.seconds)
        if group.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            throw TimedOut(arguments: arguments)
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdoutData: outData,
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
