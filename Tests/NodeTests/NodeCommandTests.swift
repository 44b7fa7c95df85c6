import Foundation
import Node
import RaftcastClient
import XCTest

/// `raftcast node` start-up errors and `/metrics` against promtool.
final class NodeCommandTests: XCTestCase {
    func testBadConfigExitsTwoWithOneLinePerProblem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-badconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("cluster.yaml").path
        try """
            cluster:
              name: broken
              secret_file: missing.secret
              heartbeat_ms: 100
              election_timeout_ms: [150, 300]
            nodes:
              - id: n1
                raft: 127.0.0.1:notaport
                http: 127.0.0.1:8100
                data_dir: data/n1
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try runRaftcast(["node", "--config", path, "--id", "n1"])
        XCTAssertEqual(run.status, 2)
        let lines = run.stderr.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 2, run.stderr)
        for line in lines { XCTAssertTrue(line.hasPrefix("error: \(path): "), String(line)) }
        XCTAssertTrue(run.stderr.contains("secret"), run.stderr)

        let missing = try runRaftcast(["node", "--config", folder.appendingPathComponent("nope.yaml").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "), missing.stderr)

        let status = try runRaftcast(["status", "--config", path])
        XCTAssertEqual(status.status, 2)
    }

    /// The secret lets anyone join and write: a secret file that group or others may read is refused,
    /// with the command that fixes it, by the node and by the clients that read it (exit 2); 0600 runs.
    func testSecretFileReadableByOthersIsRefusedByNodeAndClients() throws {
        let cluster = try LocalCluster(size: 1)
        defer { cluster.shutdown() }
        let secret = cluster.directory.appendingPathComponent("cluster.secret").path
        let sample = StreamsAPITests.sample("sample.mp3")
        XCTAssertEqual(chmod(secret, 0o644), 0)
        let expected = "error: \(secret): secret file is readable by group or others; run: chmod 600 \(secret)\n"
        for arguments in [
            ["node", "--config", cluster.configPath, "--id", "n1"], ["status", "--config", cluster.configPath],
            ["ingest", sample, "--config", cluster.configPath],
        ] {
            let run = try runRaftcast(arguments)
            XCTAssertEqual(run.status, 2, arguments[0])
            XCTAssertEqual(run.stderr, expected, arguments[0])
        }
        XCTAssertEqual(chmod(secret, 0o600), 0)
        try cluster.start("n1")
        XCTAssertEqual(try cluster.waitForLeader(among: ["n1"]), "n1")
    }

    func testUnknownNodeIdIsBadUsage() throws {
        let cluster = try LocalCluster(size: 1)
        defer { cluster.shutdown() }
        let run = try runRaftcast(["node", "--config", cluster.configPath, "--id", "n9"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.hasPrefix("error: \(cluster.configPath): --id n9"), run.stderr)
    }

    func testStatusMarksSilentNodesAndFailsWithoutAMajorityAgreedLeader() throws {
        let cluster = try LocalCluster(size: 3)
        defer { cluster.shutdown() }
        let run = try runRaftcast(["status", "--config", cluster.configPath, "--timeout-ms", "300"])
        XCTAssertEqual(run.status, 1)
        let rows = run.stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, 4, run.stdout)
        XCTAssertEqual(rows.dropFirst().filter { $0.contains("UNREACHABLE") }.count, 3, run.stdout)
        XCTAssertTrue(run.stderr.hasPrefix("error: \(cluster.configPath): no node answered"), run.stderr)
        XCTAssertEqual(rows.first?.split(separator: " ").last, "ERROR", "errors have their own column")

        // One node of three answers: it cannot elect a leader alone, so there is no quorum.
        try cluster.start("n1")
        _ = try cluster.waitFor("n1 answers") { cluster.report("n1") }
        let minority = try runRaftcast(["status", "--config", cluster.configPath, "--timeout-ms", "300"])
        XCTAssertEqual(minority.status, 1, minority.stdout)
        XCTAssertEqual(
            minority.stderr,
            "error: \(cluster.configPath): no quorum: 1 of 3 voters answer, 2 needed for a leader (n1 names no leader, "
                + "n2 did not answer, n3 did not answer)\n")
        let n1 = try XCTUnwrap(minority.stdout.split(separator: "\n").first { $0.hasPrefix("n1 ") })
        XCTAssertFalse(n1.contains("UNREACHABLE"), String(n1))
        XCTAssertTrue(n1.hasSuffix("-"), "no error for a node that answered: \(n1)")
    }

    func testMetricsPassPromtool() throws {
        let cluster = try LocalCluster(size: 3, debugPropose: true)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        var last: UInt64 = 0
        for i in 0..<5 { last = try cluster.propose(Array(repeating: UInt8(i), count: 1000), leader: leader) }
        try cluster.waitForSameState(cluster.ids, atLeast: last)
        let text = try cluster.metrics(leader)
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let tool = try XCTUnwrap(promtool, "promtool is required (Debian package prometheus; scripts/bootstrap.sh installs it)")
        let check = try runTool(tool, ["check", "metrics"], input: text)
        XCTAssertEqual(check.status, 0, "promtool: \(check.stdout)\(check.stderr)\n\(text)")
        func value(_ name: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        XCTAssertEqual(value("raftcast_raft_role"), 3)
        XCTAssertEqual(value("raftcast_raft_commit_index"), Double(last))
        XCTAssertGreaterThanOrEqual(value("raftcast_raft_replicated_bytes_total") ?? 0, 5 * 1000 * 2)
        XCTAssertEqual(value("raftcast_commit_latency_seconds_count"), 5)
        XCTAssertGreaterThan(value("raftcast_wal_sync_seconds_count") ?? 0, 0)
        XCTAssertGreaterThanOrEqual(value("raftcast_raft_leader_changes_total") ?? 0, 1)
        XCTAssertEqual(value("raftcast_build_info{version=\"\(RaftcastVersion.current)\"}"), 1)
        XCTAssertEqual(value("raftcast_hls_segment_requests_total"), 0, "no HLS segment asked for yet")
        XCTAssertEqual(value("raftcast_hls_segments_remuxed_total"), 0)
        XCTAssertEqual(cluster.report(leader)?.version, RaftcastVersion.current)
    }

    /// `--log-format json`: every line a node writes is one JSON object with a millisecond UTC stamp;
    /// an unknown format is bad usage.
    func testJSONLogFormat() throws {
        let cluster = try LocalCluster(size: 1)
        defer { cluster.shutdown() }
        try cluster.start("n1", arguments: ["--log-format", "json"])
        _ = try cluster.waitForLeader(among: ["n1"])
        XCTAssertEqual(cluster.terminate("n1", timeout: .seconds(10)), 0)
        let log = try String(contentsOf: cluster.directory.appendingPathComponent("n1-1.log"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 3, log)
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            XCTAssertNotNil((object["ts"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/), String(line))
            XCTAssertNotNil(object["level"] as? String)
        }
        XCTAssertTrue(lines.contains { $0.contains("\"message\":\"raft loop started\"") }, log)
        let bad = try runRaftcast(["node", "--config", cluster.configPath, "--id", "n1", "--log-format", "xml"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("error: usage:"), bad.stderr)
    }

    /// `raftcast token` prints the admin token the nodes accept; a bad config is exit 2.
    func testTokenPrintsTheAdminToken() throws {
        let cluster = try LocalCluster(size: 1)
        defer { cluster.shutdown() }
        let run = try runRaftcast(["token", "--config", cluster.configPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, cluster.token + "\n")
        XCTAssertNotNil(cluster.token.wholeMatch(of: /[0-9a-f]{64}/))
        let missing = try runRaftcast(["token", "--config", cluster.directory.appendingPathComponent("none.yaml").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "), missing.stderr)
    }
}
