import Foundation
import TestSupport
import XCTest

/// `raftcast` as the CLI tests run it (the binary SwiftPM built beside the test bundle), output as text.
enum RaftcastBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `raftcast arguments...`, bounded by `timeout`.
    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        let result = try RaftcastExecutable.run(arguments, timeout: timeout)
        return Result(status: result.status, stdout: result.stdoutText, stderr: result.stderrText)
    }
}

/// Media for the CLI tests, made by scripts/make-media.sh (and byte surgery on
/// its output) into a temp folder once per process.
enum CLIFixtures {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/make-media.sh").path

    static let directory = ScratchDirectory.forProcess(prefix: "raftcast-cli-tests")

    private static let lock = NSLock()

    /// A make-media.sh file of `kind`, 6 s long.
    static func media(_ kind: String, ext: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let path = directory.appendingPathComponent("\(kind).\(ext)").path
        if !FileManager.default.fileExists(atPath: path) {
            let r = try ToolProcess.run(script, [kind, "6", path], timeout: 120)
            guard r.status == 0 else { throw ToolFailure(command: "make-media.sh \(kind)", stderr: r.stderrText) }
        }
        return path
    }

    /// Writes `bytes` to a file named `name` and returns its path.
    static func write(_ name: String, _ bytes: Data) throws -> String {
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
}
