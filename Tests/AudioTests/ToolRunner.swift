import Foundation
import XCTest

/// Runs a reference tool (aplay, ffprobe) with a time bound; output goes through temp files so a
/// chatty tool cannot block on a full pipe.
struct ToolResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

func runTool(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    timeout: TimeInterval = 30, in directory: URL
) throws -> ToolResult {
    let outURL = directory.appendingPathComponent("tool-\(UUID().uuidString).out")
    let errURL = directory.appendingPathComponent("tool-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = out
    process.standardError = err
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    if finished.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        finished.wait()
        XCTFail("\(executable) did not finish within \(timeout) s")
    }
    try out.close()
    try err.close()
    return ToolResult(
        status: process.terminationStatus,
        standardOutput: try String(contentsOf: outURL, encoding: .utf8),
        standardError: try String(contentsOf: errURL, encoding: .utf8))
}
