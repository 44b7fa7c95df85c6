import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process started in the background, its output in a log file; ``stop()`` (SIGTERM, SIGKILL after
/// 3 s) reaps it.
public final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()
    private let log: String

    public init(_ executable: String, _ arguments: [String], log: String) throws {
        self.log = log
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Its exit status once it exits within `timeout`; nil if it is still running.
    public func wait(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Whether it still runs.
    public var isRunning: Bool { process.isRunning }

    /// What it printed.
    public var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// SIGTERM, SIGKILL after 3 s; reaped.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if wait(timeout: .seconds(3)) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
