import Foundation
import TestSupport
import XCTest

/// What a finished `raftcast` run left.
struct ProcessRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `raftcast arguments…` to completion within `timeout` (killed after it).
func runRaftcast(_ arguments: [String], timeout: Duration = .seconds(30)) throws -> ProcessRun {
    try runTool(try RaftcastExecutable.path(), arguments, timeout: timeout)
}

/// Runs `executable arguments…` through `ToolProcess` (bounded; stdin from `input` when given).
func runTool(_ executable: String, _ arguments: [String], input: String? = nil, timeout: Duration = .seconds(30)) throws -> ProcessRun {
    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
    let result = try ToolProcess.run(executable, arguments, timeout: seconds, input: input.map { Data($0.utf8) })
    return ProcessRun(status: result.status, stdout: result.stdoutText, stderr: result.stderrText)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
}
