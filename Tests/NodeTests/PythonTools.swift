import Foundation
import TestSupport

/// The repository's Python tools for tests (openapi-spec-validator, schemathesis), installed by
/// scripts/bootstrap.sh into `.venv/` at the repository root (`$RAFTCAST_VENV` overrides the folder).
/// A missing tool is a failure that says to run the bootstrap, not a skip.
enum PythonTools {
    /// The repository's root folder (this file is Tests/NodeTests/PythonTools.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// docs/openapi.yaml.
    static var openAPIPath: String { repositoryRoot.appendingPathComponent("docs/openapi.yaml").path }

    /// The tool not found.
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) not found: run scripts/bootstrap.sh (it installs the tests' Python tools into .venv/)" }
    }

    /// The path of `.venv/bin/<name>`, or ``Missing``.
    static func path(_ name: String) throws -> String {
        let venv = ProcessInfo.processInfo.environment["RAFTCAST_VENV"]
            ?? repositoryRoot.appendingPathComponent(".venv").path
        let path = URL(fileURLWithPath: venv).appendingPathComponent("bin/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Missing(path: path) }
        return path
    }

    /// Runs `.venv/bin/<name> arguments…` within `timeout` seconds.
    static func run(_ name: String, _ arguments: [String], timeout: TimeInterval) throws -> ToolProcess.Result {
        try ToolProcess.run(try path(name), arguments, timeout: timeout, currentDirectory: repositoryRoot)
    }
}
