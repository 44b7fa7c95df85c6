import Foundation
import Node
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `raftcast ingest` into real 3-node clusters (LocalCluster): the fragments every node lists are the same
/// (indices, hashes, log indices) and are the fragment plan of `raftcast probe --json`; a SIGKILL of the
/// leader during an ingest is survived, every fragment committed exactly once.
final class IngestClusterTests: XCTestCase {
    static let media = PythonTools.repositoryRoot.appendingPathComponent("media")

    /// One row of `raftcast probe --json`'s plan.
    struct PlannedFragment {
        var index: Int
        var start: Double
        var duration: Double
        var keyframe: Bool
    }

    /// The fragment plan `raftcast probe FILE --json` prints for 2-s fragments (LocalCluster's fragment_seconds).
    static func probePlan(_ file: String) throws -> [PlannedFragment] {
        let run = try runRaftcast(["probe", file, "--json", "--fragment-seconds", "2"])
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
              let rows = object["fragments"] as? [[String: Any]]
        else { throw TestFailure(description: "probe \(file) failed: \(run.stderr)") }
        return rows.map {
            PlannedFragment(
                index: $0["index"] as? Int ?? -1, start: $0["start_seconds"] as? Double ?? .nan,
                duration: $0["duration_seconds"] as? Double ?? .nan, keyframe: $0["starts_with_keyframe"] as? Bool ?? false)
        }
    }

    /// Node `id`'s fragments of `stream` once it lists `count` of them.
    static func fragments(_ cluster: LocalCluster, _ id: String, stream: String, count: Int) throws -> [[String: Any]] {
        try cluster.waitFor("\(count) fragments of \(stream) on \(id)", timeout: .seconds(20)) { () -> [[String: Any]]? in
            guard let list = cluster.json(id, "/v1/streams/\(stream)/fragments")?["fragments"] as? [[String: Any]],
                  list.count >= count
            else { return nil }
            return list
        }
    }

    /// Asserts that every node in `nodes` lists the same fragments of `stream`, each index once, matching `plan`.
    private func assertReplicated(
        _ cluster: LocalCluster, nodes: [String], stream: String, plan: [PlannedFragment], file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        var lists: [[[String: Any]]] = []
        for node in nodes { lists.append(try Self.fragments(cluster, node, stream: stream, count: plan.count)) }
        func key(_ f: [String: Any]) -> String { "\(f["index"] ?? "?")/\(f["hash"] ?? "?")/\(f["log_index"] ?? "?")" }
        let reference = lists[0].map(key)
        for (node, list) in zip(nodes, lists) {
            XCTAssertEqual(list.map(key), reference, "\(node) lists other fragments", file: file, line: line)
        }
        let listed = lists[0]
        XCTAssertEqual(listed.map { $0["index"] as? Int ?? -1 }, Array(0..<plan.count), "each index exactly once", file: file, line: line)
        XCTAssertEqual(Set(listed.compactMap { $0["hash"] as? String }).count, plan.count, "distinct fragments", file: file, line: line)
        for (fragment, planned) in zip(listed, plan) {
            XCTAssertEqual(fragment["index"] as? Int, planned.index, file: file, line: line)
            XCTAssertEqual(fragment["start_seconds"] as? Double ?? .nan, planned.start, accuracy: 1e-6, file: file, line: line)
            XCTAssertEqual(fragment["duration_seconds"] as? Double ?? .nan, planned.duration, accuracy: 1e-6, file: file, line: line)
            XCTAssertEqual(fragment["keyframe"] as? Bool, planned.keyframe, "fragment \(planned.index)", file: file, line: line)
        }
        for node in nodes {
            let stream = cluster.json(node, "/v1/streams/\(stream)")
            XCTAssertEqual(stream?["state"] as? String, "ended", node, file: file, line: line)
            XCTAssertEqual(stream?["committed_fragments"] as? Int, plan.count, node, file: file, line: line)
        }
    }

    /// A make-media.sh `mp3-cbr` file (128 kb/s) of `seconds`, made once per test process.
    static func madeMP3(seconds: Int) throws -> String {
        let file = ScratchDirectory.forProcess(prefix: "raftcast-ingest-cluster").appendingPathComponent("cbr-\(seconds)s.mp3").path
        if !FileManager.default.fileExists(atPath: file) {
            let made = try ToolProcess.run(
                PythonTools.repositoryRoot.appendingPathComponent("scripts/make-media.sh").path,
                ["mp3-cbr", "\(seconds)", file], timeout: 120)
            guard made.status == 0 else { throw ToolFailure(command: "make-media.sh mp3-cbr \(seconds)", stderr: made.stderrText) }
        }
        return file
    }

    /// Starts `raftcast ingest file` in the background (stdout and stderr to files in the cluster's folder);
    /// a teardown block SIGKILLs and reaps it if it is still running.
    private func startIngest(_ file: String, cluster: LocalCluster, arguments: [String]) throws -> (Process, URL, URL) {
        let ingest = Process()
        ingest.executableURL = URL(fileURLWithPath: try RaftcastExecutable.path())
        ingest.arguments = ["ingest", file, "--config", cluster.configPath] + arguments
        let out = cluster.directory.appendingPathComponent("ingest.out")
        let err = cluster.directory.appendingPathComponent("ingest.err")
        for url in [out, err] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        ingest.standardOutput = try FileHandle(forWritingTo: out)
        ingest.standardError = try FileHandle(forWritingTo: err)
        ingest.standardInput = FileHandle.nullDevice
        try ingest.run()
        addTeardownBlock {
            if ingest.isRunning { kill(ingest.processIdentifier, SIGKILL) }
            ingest.waitUntilExit()
        }
        return (ingest, out, err)
    }

    /// The stream id in `raftcast ingest`'s closing line, `stream <id>: ingested …`.
    static func streamID(inSummary stdout: String) -> String? {
        guard let line = stdout.split(separator: "\n").last(where: { $0.hasPrefix("stream ") }) else { return nil }
        let id = line.dropFirst("stream ".count).prefix { $0 != ":" }
        return id.count == 16 ? String(id) : nil
    }

    func testFastIngestOfTheSamplesIsTheProbePlanOnEveryNode() throws {
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        _ = try cluster.waitForLeader(among: cluster.ids)
        for name in ["sample.mp3", "sample.mp4"] {
            let file = Self.media.appendingPathComponent(name).path
            let plan = try Self.probePlan(file)
            XCTAssertGreaterThan(plan.count, 2, name)
            let run = try runRaftcast(["ingest", file, "--config", cluster.configPath, "--fast", "--timeout", "20"], timeout: .seconds(60))
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderr)\n\(cluster.logTails())")
            let id = try XCTUnwrap(Self.streamID(inSummary: run.stdout), run.stdout)
            XCTAssertTrue(run.stdout.contains(": ingested \(plan.count) fragments, "), run.stdout)
            XCTAssertTrue(run.stderr.contains("accepted, \(plan.count) fragments"), run.stderr)
            try assertReplicated(cluster, nodes: cluster.ids, stream: id, plan: plan)
            let stream = try XCTUnwrap(cluster.json(cluster.ids[0], "/v1/streams/\(id)"))
            XCTAssertEqual(stream["paced"] as? Bool, false)
            XCTAssertEqual((stream["source"] as? [String: Any])?["file"] as? String, name)
            XCTAssertEqual((stream["source"] as? [String: Any])?["size"] as? Int,
                           try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        }
    }

    func testLibraryIngestWithClosedReads() throws {
        // The file is named inside media_dir; reads need the token (the client sends it everywhere).
        // No wait for a leader here: the client waits for one (LocalCluster's probes carry no token).
        let cluster = try LocalCluster(size: 3, clusterSettings: ["media_dir: \(Self.media.path)", "open_reads: false"])
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let plan = try Self.probePlan(Self.media.appendingPathComponent("sample.mp4").path)
        let run = try runRaftcast(
            ["ingest", "sample.mp4", "--library", "--fast", "--name", "library sample", "--config", cluster.configPath,
             "--timeout", "20"], timeout: .seconds(60))
        XCTAssertEqual(run.status, 0, "\(run.stderr)\n\(cluster.logTails())")
        let id = try XCTUnwrap(Self.streamID(inSummary: run.stdout), run.stdout)
        try assertReplicated(cluster, nodes: cluster.ids, stream: id, plan: plan)
        XCTAssertEqual(cluster.json(cluster.ids[0], "/v1/streams/\(id)")?["name"] as? String, "library sample")
        let unauthorized = try cluster.http(cluster.ids[0], "GET", "/v1/streams/\(id)", authorized: false)
        XCTAssertEqual(unauthorized.status, 401, "reads are closed in this cluster")

        let missing = try runRaftcast(["ingest", "absent.mp3", "--library", "--config", cluster.configPath], timeout: .seconds(60))
        XCTAssertEqual(missing.status, 2, missing.stderr)
        let lastLine = missing.stderr.split(separator: "\n").last ?? ""
        XCTAssertTrue(lastLine.hasPrefix("error: absent.mp3: refused by the cluster: "), missing.stderr)
        XCTAssertTrue(lastLine.hasSuffix("(404 unknown-media)"), missing.stderr)
        XCTAssertEqual(missing.stderr.components(separatedBy: "error:").count - 1, 1, "one error line")
    }

    func testUploadAboveTheClusterLimitExits2() throws {
        // A 1.9 MB MP3 against a 1 MB limit: 413 before the body is read, then exit 2.
        let file = try Self.madeMP3(seconds: 120)
        let cluster = try LocalCluster(size: 1, clusterSettings: ["max_upload_mb: 1"])
        addTeardownBlock { cluster.shutdown() }
        try cluster.start("n1")
        _ = try cluster.waitForLeader(among: ["n1"])
        let run = try runRaftcast(["ingest", file, "--config", cluster.configPath, "--fast"], timeout: .seconds(60))
        XCTAssertEqual(run.status, 2, run.stderr)
        let lastLine = run.stderr.split(separator: "\n").last ?? ""
        XCTAssertTrue(lastLine.hasPrefix("error: \(file): refused by the cluster: "), run.stderr)
        XCTAssertTrue(lastLine.hasSuffix("(413 too-large)"), run.stderr)
        XCTAssertEqual((cluster.json("n1", "/v1/streams")?["streams"] as? [Any])?.count, 0, "nothing was ingested")
    }

    func testOnATerminalProgressIsOneLineRedrawnInPlace() throws {
        // script(1) (util-linux) runs the command on a pseudo-terminal and copies what it printed.
        let cluster = try LocalCluster(size: 1)
        addTeardownBlock { cluster.shutdown() }
        try cluster.start("n1")
        _ = try cluster.waitForLeader(among: ["n1"])
        let file = Self.media.appendingPathComponent("sample.mp3").path
        let command = [try RaftcastExecutable.path(), "ingest", file, "--config", cluster.configPath, "--fast"]
            .map { "'\($0)'" }.joined(separator: " ")
        let run = try ToolProcess.run("script", ["-qefc", command, "/dev/null"], timeout: 60)
        let text = run.stdoutText
        XCTAssertEqual(run.status, 0, text)
        let redraw = "\r\u{1B}[2K"
        XCTAssertTrue(text.contains(redraw + "["), "a bar redrawn in place: \(text.debugDescription)")
        let n = try Self.probePlan(file).count
        XCTAssertTrue(text.contains("]  \(n)/\(n) fragments  "), text.debugDescription)
        XCTAssertFalse(text.contains("ingest: \(n)/\(n) fragments (100%)"), "no plain progress lines on a terminal")
        XCTAssertTrue(text.contains(": ingested \(n) fragments, "), text.debugDescription)
    }

    func testIngestSurvivesSIGKILLOfTheLeader() throws {
        // A paced 16-s MP3: long enough to kill the leader mid-stream on any machine, short enough for CI.
        let file = try Self.madeMP3(seconds: 16)
        let plan = try Self.probePlan(file)
        XCTAssertEqual(plan.count, 8)

        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)

        let started = ContinuousClock.now
        let (ingest, out, err) = try startIngest(file, cluster: cluster, arguments: ["--timeout", "15"])

        // Kill the leader once a few fragments are committed and more are to come.
        let id = try cluster.waitFor("2 committed fragments on \(leader)", timeout: .seconds(20)) { () -> String? in
            guard let streams = cluster.json(leader, "/v1/streams")?["streams"] as? [[String: Any]],
                  let stream = streams.first, (stream["committed_fragments"] as? Int ?? 0) >= 2
            else { return nil }
            return stream["id"] as? String
        }
        let before = cluster.json(leader, "/v1/streams/\(id)")?["committed_fragments"] as? Int ?? 0
        cluster.kill9(leader)
        XCTAssertLessThan(before, plan.count, "the leader was killed mid-stream")

        let exited = try cluster.waitFor("raftcast ingest to exit", timeout: .seconds(40)) { ingest.isRunning ? nil : true }
        XCTAssertTrue(exited)
        ingest.waitUntilExit()
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(ingest.terminationStatus, 0, "\(stderr)\n\(cluster.logTails())")
        XCTAssertEqual(Self.streamID(inSummary: stdout), id, stdout)
        XCTAssertTrue(stdout.contains(": ingested \(plan.count) fragments, "), stdout)
        XCTAssertTrue(stderr.contains("retrying"), "the client saw the leader go: \(stderr)")
        // Not a terminal: progress lines at most once per second (one per POST may come sooner).
        let progressLines = stderr.split(separator: "\n").filter { $0.hasPrefix("ingest: ") && $0.contains(" fragments (") }
        let wall = ContinuousClock.now - started
        XCTAssertGreaterThan(progressLines.count, 0, stderr)
        XCTAssertLessThanOrEqual(progressLines.count, Int(wall.components.seconds) + 4, stderr)
        let survivors = cluster.ids.filter { $0 != leader }
        let newLeader = try cluster.waitForLeader(among: survivors)
        XCTAssertTrue(stderr.contains("ingest: leader \(newLeader) at "), stderr)
        try assertReplicated(cluster, nodes: survivors, stream: id, plan: plan)
    }

    func testFastIngestSurvivesSIGKILLOfTheLeaderWithProposalsInFlight() throws {
        // --fast is too quick to kill the leader at a chosen moment, so the followers are stopped to hold the
        // ingest mid-stream: B before the upload, A once 2 fragments are committed (the leader keeps
        // proposing, nothing more commits). Then the leader is SIGKILLed and A and B resume. The file is long
        // enough (600 fragments, about a second of --fast ingest) that A is stopped well before the end.
        let file = try Self.madeMP3(seconds: 1200)
        let plan = try Self.probePlan(file)
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let followers = cluster.ids.filter { $0 != leader }
        cluster.signal(followers[1], SIGSTOP)
        let (ingest, out, err) = try startIngest(file, cluster: cluster, arguments: ["--fast", "--timeout", "20"])
        let id = try cluster.waitFor("2 committed fragments on \(leader)", timeout: .seconds(20)) { () -> String? in
            guard let streams = cluster.json(leader, "/v1/streams")?["streams"] as? [[String: Any]],
                  let stream = streams.first, (stream["committed_fragments"] as? Int ?? 0) >= 2
            else { return nil }
            return stream["id"] as? String
        }
        cluster.signal(followers[0], SIGSTOP)
        let before = cluster.json(leader, "/v1/streams/\(id)")?["committed_fragments"] as? Int ?? 0
        XCTAssertLessThan(before, plan.count, "held mid-stream")
        cluster.kill9(leader)
        for follower in followers { cluster.signal(follower, SIGCONT) }

        let exited = try cluster.waitFor("raftcast ingest to exit", timeout: .seconds(40)) { ingest.isRunning ? nil : true }
        XCTAssertTrue(exited)
        ingest.waitUntilExit()
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(ingest.terminationStatus, 0, "\(stderr)\n\(cluster.logTails())")
        XCTAssertEqual(Self.streamID(inSummary: stdout), id, stdout)
        XCTAssertTrue(stdout.contains(": ingested \(plan.count) fragments, "), stdout)
        try assertReplicated(cluster, nodes: followers, stream: id, plan: plan)
    }
}
