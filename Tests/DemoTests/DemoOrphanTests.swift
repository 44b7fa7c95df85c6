import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `raftcast demo` never leaves its node processes running: not when its output's reader goes away
/// (`raftcast demo | head`: it stops them as on Ctrl-C and exits 1, not killed by SIGPIPE), not when it
/// is SIGKILLed (each node gets SIGTERM from the kernel: `RAFTCAST_EXIT_WITH_PARENT`). Real demos, real
/// nodes, found through /proc by the demo's work folder in their command lines.
final class DemoOrphanTests: XCTestCase {
    /// `raftcast demo | head` with stderr elsewhere, closed once the ingest runs: one line on stderr,
    /// exit 1, every node and the ingest stopped.
    func testAClosedOutputStopsEveryNodeAndSaysSoOnStderr() throws {
        let stderrPath = ScratchDirectory.forProcess(prefix: "raftcast-demo-orphan").appendingPathComponent("closed-stdout.err").path
        let (demo, work, nodes) = try startDemo(stderrPath: stderrPath)
        _ = try demo.readLine(containing: "raftcast ingest started", timeout: .seconds(40))
        XCTAssertEqual(LiveProcesses.matching(work + "/cluster.yaml --name ").count, 1, "the ingest runs")
        try closeOutputAndExpectCleanExit(demo, work: work, nodes: nodes)
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        let lines = stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, stderr)
        XCTAssertTrue(stderr.hasPrefix("error: demo: standard output closed; stopped (work folder \(work))"), stderr)
    }

    /// `raftcast demo 2>&1 | head -2`, closed as soon as the nodes run: the same, and nothing to say where
    /// nobody reads.
    func testAClosedOutputThatIsAlsoStderrStopsEveryNodeSilently() throws {
        let (demo, work, nodes) = try startDemo(stderrPath: nil)
        try closeOutputAndExpectCleanExit(demo, work: work, nodes: nodes)
    }

    /// SIGKILL of the demo while its nodes and the ingest run (a leader elected, the broadcast begun):
    /// every one of them exits within a bound.
    func testNodesExitWhenTheDemoIsKilled() throws {
        let (demo, work, nodes) = try startDemo(stderrPath: nil)
        _ = try demo.readLine(containing: "raftcast ingest started", timeout: .seconds(40))
        XCTAssertTrue(nodes.allSatisfy(LiveProcesses.isRunning), "nodes \(nodes) before the kill")
        XCTAssertEqual(LiveProcesses.matching(work + "/cluster.yaml --name ").count, 1, "the ingest runs")
        kill(demo.process.processIdentifier, SIGKILL)
        demo.process.waitUntilExit()
        XCTAssertEqual(demo.process.terminationReason, .uncaughtSignal)
        try eventually("every node of \(work) exits after the demo's SIGKILL", timeout: .seconds(15), interval: .milliseconds(50)) {
            !nodes.contains(where: LiveProcesses.isRunning) && LiveProcesses.matching(work + "/").isEmpty
        }
        XCTAssertTrue(DemoOutput.logTails(work).contains("n1.log"), "the nodes ran and logged")
    }

    /// A node told to die with a process that is not its parent exits at once (before reading its
    /// configuration, which here does not even exist) with one line and status 1; a value that is not a
    /// process id is bad input (2).
    func testANodeWhoseParentIsNotTheNamedProcessExitsAtOnce() throws {
        let stranger = getppid() > 1 ? getppid() : getpid() + 1
        let cases: [(String, Int32, String)] = [
            (String(stranger), 1, "error: RAFTCAST_EXIT_WITH_PARENT: the parent \(stranger) is gone or is not this process's parent (\(getpid()))"),
            ("12ab\n", 2, "error: RAFTCAST_EXIT_WITH_PARENT: '12ab\\n' is not a process id"),
            ("1", 2, "error: RAFTCAST_EXIT_WITH_PARENT: '1' is not a process id"),
        ]
        for (value, status, message) in cases {
            let started = ContinuousClock.now
            let run = try ToolProcess.run(
                try RaftcastExecutable.path(), ["node", "--config", "/nonexistent/raftcast-orphan/cluster.yaml"], timeout: 30,
                environment: ["RAFTCAST_EXIT_WITH_PARENT": value])
            XCTAssertEqual(run.status, status, run.stderrText)
            XCTAssertEqual(run.stderrText.split(separator: "\n").count, 1, run.stderrText)
            XCTAssertTrue(run.stderrText.hasPrefix(message), run.stderrText)
            XCTAssertEqual(run.stdoutText, "")
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
        }
    }

    // MARK: Helpers

    /// Starts `raftcast demo` with its stdout on a pipe this test reads (stderr in `stderrPath`, or on the pipe too),
    /// reads its work folder, and waits until its three nodes run; everything it leaves is killed at teardown.
    private func startDemo(stderrPath: String?) throws -> (DemoPipe, String, [pid_t]) {
        let media = try ScriptMedia.make(kind: "mp3-cbr", seconds: 14, name: "orphan.mp3")
        let demo = try DemoPipe(arguments: ["demo", "--media", media, "--kill-after", "6"], stderrPath: stderrPath)
        var work: String?
        addTeardownBlock {
            if demo.process.isRunning {
                kill(demo.process.processIdentifier, SIGKILL)
                demo.process.waitUntilExit()
            }
            demo.close()
            if let work {
                LiveProcesses.killAll(LiveProcesses.matching(work + "/"))
                try? FileManager.default.removeItem(atPath: work)
            }
        }
        let first = try demo.readLine(containing: "work folder: ", timeout: .seconds(30))
        work = try XCTUnwrap(DemoOutput.workFolder(first), first)
        let folder = work ?? ""
        let nodes = try eventually("three nodes of \(folder) run", timeout: .seconds(30), interval: .milliseconds(20)) { () -> [pid_t]? in
            let found = LiveProcesses.matching(folder + "/cluster.yaml --id ")
            return found.count == 3 ? found : nil
        }
        return (demo, folder, nodes)
    }

    /// Closes the reading end of the demo's output: the demo exits 1 within a bound (it was not killed by
    /// SIGPIPE) and, having reaped them, leaves no process of its work folder running.
    private func closeOutputAndExpectCleanExit(_ demo: DemoPipe, work: String, nodes: [pid_t]) throws {
        XCTAssertTrue(nodes.allSatisfy(LiveProcesses.isRunning), "nodes \(nodes) before the close")
        demo.close()
        try eventually("the demo exits after its output closed", timeout: .seconds(30), interval: .milliseconds(50)) {
            !demo.process.isRunning
        }
        XCTAssertEqual(demo.process.terminationReason, .exit, "killed by signal \(demo.process.terminationStatus)")
        XCTAssertEqual(demo.process.terminationStatus, 1)
        XCTAssertEqual(nodes.filter(LiveProcesses.isRunning), [], "nodes still running after the demo exited")
        XCTAssertEqual(LiveProcesses.matching(work + "/"), [], "processes of \(work) still running")
        XCTAssertTrue(DemoOutput.logTails(work).contains("n1.log"), "the nodes ran and logged")
    }
}
