import Foundation
import XCTest

/// Runs the built `raftcast` executable, which SwiftPM puts next to the test
/// bundle (e.g. .build/debug/raftcast beside raftcastPackageTests.xctest).
enum RaftcastBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable: $RAFTCAST_BINARY, else the first `raftcast` found in the
    /// directories around the test bundle and the test process.
    static func url() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["RAFTCAST_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        var candidates: [URL] = []
        for bundle in [Bundle.main, Bundle(for: BundleMarker.self)] {
            candidates.append(bundle.bundleURL)
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
            if let exe = bundle.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        // Walk up out of an .xctest bundle directory (macOS layout).
        for dir in candidates {
            var current = dir
            for _ in 0..<4 {
                let exe = current.appendingPathComponent("raftcast")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: exe.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: exe.path)
                {
                    return exe
                }
                current = current.deletingLastPathComponent()
            }
        }
        throw XCTSkip("raftcast executable not found next to the test bundle (build it, or set RAFTCAST_BINARY)")
    }

    /// Runs `raftcast arguments...`, bounded by `timeout`.
    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        let r = try Process.runBounded(try url().path, arguments, timeout: timeout)
        return Result(
            status: r.status, stdout: String(decoding: r.stdout, as: UTF8.self),
            stderr: String(decoding: r.stderr, as: UTF8.self))
    }
}

private final class BundleMarker {}

extension Process {
    /// Runs `executable` (a path, or a name looked up in PATH) to completion,
    /// with output in temp files (no pipe can fill up); terminates it after `timeout`.
    static func runBounded(
        _ executable: String, _ arguments: [String], timeout: TimeInterval, currentDirectory: URL? = nil
    ) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-cli-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out")
        let errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            exited.wait()
            XCTFail("\(executable) \(arguments) did not finish within \(timeout) s")
        }
        try? outHandle.close()
        try? errHandle.close()
        return (process.terminationStatus, try Data(contentsOf: outURL), try Data(contentsOf: errURL))
    }
}

/// Media for the CLI tests, made by scripts/make-media.sh (and byte surgery on
/// its output) into a temp folder once per process.
enum CLIFixtures {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/make-media.sh").path

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("raftcast-cli-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        XCTestObservationCenter.shared.addTestObserver(TemporaryDirectoryRemover(url: url))
        return url
    }()

    private static let lock = NSLock()

    /// A make-media.sh file of `kind`, 6 s long.
    static func media(_ kind: String, ext: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let path = directory.appendingPathComponent("\(kind).\(ext)").path
        if !FileManager.default.fileExists(atPath: path) {
            let r = try Process.runBounded(script, [kind, "6", path], timeout: 120)
            guard r.status == 0 else { throw XCTSkip("make-media.sh \(kind) failed") }
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

/// Removes a test run's temp folder when the test bundle finishes.
final class TemporaryDirectoryRemover: NSObject, XCTestObservation, @unchecked Sendable {
    let url: URL
    init(url: URL) { self.url = url }
    func testBundleDidFinish(_ testBundle: Bundle) {
        try? FileManager.default.removeItem(at: url)
    }
}
