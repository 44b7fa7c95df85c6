import Foundation
import XCTest

/// What a finished `raftcast` run left.
struct ProcessRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `raftcast arguments…` to completion within `timeout` (killed after it).
func runRaftcast(_ arguments: [String], timeout: Duration = .seconds(30)) throws -> ProcessRun {
    try runTool(LocalCluster.raftcastPath, arguments, timeout: timeout)
}

/// Runs `executable arguments…`, stdin from `input` when given; output goes
/// to temporary files so a chatty child never blocks on a full pipe.
func runTool(_ executable: String, _ arguments: [String], input: String? = nil, timeout: Duration = .seconds(30)) throws -> ProcessRun {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    if let input {
        let inputFile = folder.appendingPathComponent("in")
        try input.write(to: inputFile, atomically: true, encoding: .utf8)
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw TestFailure(description: "timed out: \(executable) \(arguments.joined(separator: " "))")
    }
    process.waitUntilExit()
    return ProcessRun(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
}
