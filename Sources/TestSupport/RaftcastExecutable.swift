import Foundation

/// The `raftcast` executable the tests run: `$RAFTCAST_BINARY`, else the one SwiftPM built beside
/// the test bundle (`.build/<config>/raftcast` next to `raftcastPackageTests.xctest`).
public enum RaftcastExecutable {
    /// `raftcast` was not built (run `swift build --build-tests`): the CLI tests fail rather than skip.
    public struct NotFound: Error, CustomStringConvertible {
        public var searched: [String]
        public var description: String {
            "raftcast executable not found (build it, or set RAFTCAST_BINARY); looked in \(searched.joined(separator: ", "))"
        }
    }

    /// The executable's path.
    public static func path() throws -> String {
        if let override = ProcessInfo.processInfo.environment["RAFTCAST_BINARY"] { return override }
        var directories: [URL] = [
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
        // macOS puts the tests inside an .xctest bundle: walk up out of it.
        var searched: [String] = []
        for directory in directories {
            var current = directory
            for _ in 0..<4 {
                let candidate = current.appendingPathComponent("raftcast").path
                searched.append(candidate)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate)
                {
                    return candidate
                }
                current = current.deletingLastPathComponent()
            }
        }
        throw NotFound(searched: searched)
    }

    /// Runs `raftcast arguments…` to completion within `timeout`.
    public static func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> ToolProcess.Result {
        try ToolProcess.run(try path(), arguments, timeout: timeout)
    }
}
