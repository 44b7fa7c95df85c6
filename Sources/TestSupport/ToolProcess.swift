import Foundation

/// Runs a program to completion within a time bound and captures what it printed — the one way the
/// test suites run `raftcast`, ffmpeg, ffprobe and other reference tools.
///
/// Output goes through temporary files rather than pipes, so a child that prints megabytes (ffmpeg
/// writing PCM to stdout) can never block on a full pipe. A child still running at the bound is
/// terminated and reaped, and ``TimedOut`` is thrown: a hung tool fails its test.
public enum ToolProcess {
    /// What a finished process left.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// The process was still running at its time bound; it was terminated.
    public struct TimedOut: Error, CustomStringConvertible {
        public var command: [String]
        public var seconds: TimeInterval
        public var description: String { "timed out after \(seconds) s: \(command.joined(separator: " "))" }
    }

    /// Runs `executable` (an absolute path, or a name looked up in PATH) with `arguments`; `environment`
    /// is added to this process's environment, and `input`, when given, is the child's standard input.
    public static func run(
        _ executable: String, _ arguments: [String], timeout: TimeInterval = 120, currentDirectory: URL? = nil,
        environment: [String: String] = [:], input: Data? = nil
    ) throws -> Result {
        let process = Process()
        let isPath = executable.hasPrefix("/")
        process.executableURL = URL(fileURLWithPath: isPath ? executable : "/usr/bin/env")
        process.arguments = isPath ? arguments : [executable] + arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }

        let base = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-tool-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out")
        let errURL = base.appendingPathExtension("err")
        let inURL = base.appendingPathExtension("in")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: input ?? Data())
        defer {
            for url in [outURL, errURL, inURL] { try? FileManager.default.removeItem(at: url) }
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = input == nil ? FileHandle.nullDevice : try FileHandle(forReadingFrom: inURL)

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if exited.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
            try? outHandle.close()
            try? errHandle.close()
            throw TimedOut(command: [executable] + arguments, seconds: timeout)
        }
        try? outHandle.close()
        try? errHandle.close()
        return Result(
            status: process.terminationStatus, stdout: try Data(contentsOf: outURL), stderr: try Data(contentsOf: errURL))
    }

    /// ffmpeg's own decode of `path` to interleaved s16le PCM at `sampleRate` Hz and `channels`
    /// channels: the reference every decode and playback test compares against.
    public static func ffmpegPCM(_ path: String, sampleRate: Int = 48_000, channels: Int = 2) throws -> Data {
        let result = try run(
            "ffmpeg", ["-v", "error", "-i", path, "-f", "s16le", "-ar", "\(sampleRate)", "-ac", "\(channels)", "-"])
        guard result.status == 0 else { throw ToolFailure(command: "ffmpeg -i \(path)", stderr: result.stderrText) }
        return result.stdout
    }
}

/// A reference tool exited non-zero.
public struct ToolFailure: Error, CustomStringConvertible {
    public var command: String
    public var stderr: String
    public var description: String { "\(command) failed: \(stderr)" }

    public init(command: String, stderr: String) {
        self.command = command
        self.stderr = stderr
    }
}
