import Foundation
import TestSupport

/// A reference tool's (aplay, ffprobe) exit status and output, as the audio tests read them.
struct ToolResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs a reference tool through `ToolProcess` (bounded, output through temp files).
func runTool(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    timeout: TimeInterval = 30, in directory: URL
) throws -> ToolResult {
    let result = try ToolProcess.run(
        executable, arguments, timeout: timeout, currentDirectory: directory, environment: environment)
    return ToolResult(status: result.status, standardOutput: result.stdoutText, standardError: result.stderrText)
}
