import Foundation
import Logging
import Node
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The watchdog that bounds a node's stop, in a real child process (this test
/// bundle run again, on the helper below) whose work never ends: SIGTERM ends
/// it with status 1 and a critical line after the grace period.
final class ShutdownWatchdogTests: XCTestCase {
    static let childVariable = "RAFTCAST_WATCHDOG_CHILD"

    func testSIGTERMEndsAWedgedProcessAfterTheGracePeriod() throws {
        let bundle = try XCTUnwrap(CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? Bundle.main.executablePath)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-watchdog-\(UUID().uuidString).log").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: output) }
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let child = Process()
        child.executableURL = URL(fileURLWithPath: bundle)
        child.arguments = ["NodeTests.ShutdownWatchdogTests/testWedgedChildProcess"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: "1"]) { $1 }
        child.standardOutput = handle
        child.standardError = handle
        try child.run()
        addTeardownBlock {
            if child.isRunning { kill(child.processIdentifier, SIGKILL) }
            child.waitUntilExit()
        }
        func text() -> String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
        let deadline = ContinuousClock.now + .seconds(30)
        while !text().contains("watchdog armed") {
            guard ContinuousClock.now < deadline, child.isRunning else { return XCTFail("the child never got ready: \(text())") }
            usleep(20_000)
        }
        let signalled = ContinuousClock.now
        kill(child.processIdentifier, SIGTERM)
        while child.isRunning && ContinuousClock.now < signalled + .seconds(10) { usleep(10_000) }
        let elapsed = signalled.duration(to: .now)
        XCTAssertFalse(child.isRunning, "still running 10 s after SIGTERM: \(text())")
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .exit)
        XCTAssertEqual(child.terminationStatus, 1, text())
        XCTAssertGreaterThanOrEqual(elapsed, .seconds(1), "the grace period is given")
        XCTAssertLessThan(elapsed, .seconds(3), "and no more")
        XCTAssertTrue(text().contains("critical"), text())
        XCTAssertTrue(text().contains("shutdown did not finish within 1.0 seconds (after signal 15): exiting"), text())
    }

    /// The child's side (skipped unless run by the test above): arms on SIGTERM, then never finishes.
    func testWedgedChildProcess() throws {
        guard ProcessInfo.processInfo.environment[Self.childVariable] == "1" else {
            throw XCTSkip("helper process of testSIGTERMEndsAWedgedProcessAfterTheGracePeriod")
        }
        var logger = Logger(label: "watchdog-child") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        let watchdog = ShutdownWatchdog(grace: .seconds(1), logger: logger)
        watchdog.watch()
        FileHandle.standardError.write(Data("watchdog armed\n".utf8))
        // Wedged: this thread never finishes its work (bounded, so a broken watchdog fails instead of hanging).
        let never = DispatchSemaphore(value: 0)
        _ = never.wait(timeout: .now() + 20)
        XCTFail("the watchdog did not end the process")
    }
}
