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

    func testIngestSurvivesSIGKILLOfTheLeader() throws {
        // A paced 16-s MP3: long enough to kill the leader mid-stream on any machine, short enough for CI.
        let folder = ScratchDirectory.forProcess(prefix: "raftcast-ingest-cluster")
        let file = folder.appendingPathComponent("paced-16s.mp3").path
        if !FileManager.default.fileExists(atPath: file) {
            let made = try ToolProcess.run(
                PythonTools.repositoryRoot.appendingPathComponent("scripts/make-media.sh").path, ["mp3-cbr", "16", file],
                timeout: 120)
            XCTAssertEqual(made.status, 0, made.stderrText)
        }
        let plan = try Self.probePlan(file)
        XCTAssertEqual(plan.count, 8)

        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)

        let ingest = Process()
        ingest.executableURL = URL(fileURLWithPath: try RaftcastExecutable.path())
        ingest.arguments = ["ingest", file, "--config", cluster.configPath, "--timeout", "15"]
        let out = cluster.directory.appendingPathComponent("ingest.out")
        let err = cluster.directory.appendingPathComponent("ingest.err")
        for url in [out, err] { FileManager.default.createFile(atPath: url.path, contents: nil) }
        ingest.standardOutput = try FileHandle(forWritingTo: out)
        ingest.standardError = try FileHandle(forWritingTo: err)
        ingest.standardInput = FileHandle.nullDevice
        try ingest.run()
        addTeardownBlock {
            if ingest.isRunning { kill(ingest.processIdentifier, SIGKILL) }
            ingest.waitUntilExit()
        }

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
        let survivors = cluster.ids.filter { $0 != leader }
        let newLeader = try cluster.waitForLeader(among: survivors)
        XCTAssertTrue(stderr.contains("ingest: leader \(newLeader) at "), stderr)
        try assertReplicated(cluster, nodes: survivors, stream: id, plan: plan)
    }
}
