import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// `/v1/streams*` against real node processes on loopback: ingest of the sample MP3 and MP4 into 3 nodes,
/// identical fragment lists equal to `raftcast probe`'s plan, redirects, removal, catch-up after a restart.
/// Bad requests that must not propose anything: StreamRouteTests (in-process).
final class StreamsAPITests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func sample(_ name: String) -> String { repositoryRoot.appendingPathComponent("media/\(name)").path }

    var cluster: LocalCluster!

    override func tearDown() {
        cluster?.shutdown()
        cluster = nil
    }

    /// `raftcast probe FILE --json`'s fragments: (index, start, duration, keyframe).
    func probePlan(_ path: String) throws -> [(Int, Double, Double, Bool)] {
        let result = try RaftcastExecutable.run(["probe", path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let rows = try XCTUnwrap(object?["fragments"] as? [[String: Any]])
        return rows.map {
            ($0["index"] as! Int, $0["start_seconds"] as! Double, $0["duration_seconds"] as! Double,
             $0["starts_with_keyframe"] as! Bool)
        }
    }

    /// Uploads `path` to `node` as stream `id`; returns the answer.
    func upload(_ path: String, to node: String, id: String, fast: Bool = true) throws -> HTTPFetch.Response {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let name = (path as NSString).lastPathComponent
        return try cluster.http(
            node, "POST", "/v1/streams?id=\(id)&fast=\(fast ? 1 : 0)&filename=\(name)&name=\(name)", body: bytes,
            headers: ["Content-Type": "application/octet-stream"])
    }

    /// Waits until every node in `nodes` holds stream `id` ended; returns each node's fragment list.
    func waitForEnded(_ id: String, on nodes: [String], timeout: Duration = .seconds(30)) throws -> [[[String: Any]]] {
        try cluster.waitFor("stream \(id) ended on \(nodes)", timeout: timeout) {
            var lists: [[[String: Any]]] = []
            for node in nodes {
                guard let stream = cluster.json(node, "/v1/streams/\(id)"), stream["state"] as? String == "ended",
                    let list = cluster.json(node, "/v1/streams/\(id)/fragments")?["fragments"] as? [[String: Any]]
                else { return nil }
                lists.append(list)
            }
            return lists
        }
    }

    func testIngestIntoThreeNodesMatchesProbePlanOnEveryNode() throws {
        cluster = try LocalCluster(size: 3)
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let follower = cluster.ids.first { $0 != leader }!

        // A follower redirects writes to the leader, with the same path and query.
        let redirected = try upload(Self.sample("sample.mp3"), to: follower, id: "00000000000000a1")
        XCTAssertEqual(redirected.status, 307, redirected.text)
        XCTAssertEqual(
            redirected.headers["location"],
            "http://127.0.0.1:\(cluster.httpPorts[cluster.index(of: leader)])/v1/streams?id=00000000000000a1&fast=1&filename=sample.mp3&name=sample.mp3")

        for (file, id) in [("sample.mp3", "00000000000000a1"), ("sample.mp4", "00000000000000a2")] {
            let accepted = try upload(Self.sample(file), to: leader, id: id)
            XCTAssertEqual(accepted.status, 202, accepted.text)
            XCTAssertEqual(accepted.headers["location"], "/v1/streams/\(id)")
            let plan = try probePlan(Self.sample(file))
            let lists = try waitForEnded(id, on: cluster.ids)
            for (node, list) in zip(cluster.ids, lists) {
                XCTAssertEqual(list.count, plan.count, "\(file) on \(node)")
                for (row, expected) in zip(list, plan) {
                    XCTAssertEqual(row["index"] as? Int, expected.0)
                    XCTAssertEqual(row["start_seconds"] as! Double, expected.1, accuracy: 1e-5, "\(file) fragment \(expected.0)")
                    XCTAssertEqual(row["duration_seconds"] as! Double, expected.2, accuracy: 1e-5, "\(file) fragment \(expected.0)")
                    XCTAssertEqual(row["keyframe"] as? Bool, expected.3)
                }
                XCTAssertEqual(list.map { $0["hash"] as! String }, lists[0].map { $0["hash"] as! String }, "\(node) differs")
                XCTAssertEqual(list.map { $0["log_index"] as! Int }, lists[0].map { $0["log_index"] as! Int })
            }
            let stream = try XCTUnwrap(cluster.json(follower, "/v1/streams/\(id)"))
            XCTAssertEqual(stream["committed_fragments"] as? Int, plan.count)
            XCTAssertEqual(stream["expected_fragments"] as? Int, plan.count)
            XCTAssertEqual((stream["source"] as? [String: Any])?["file"] as? String, file)

            // Posting the same stream again is idempotent: 200, nothing new.
            let again = try upload(Self.sample(file), to: leader, id: id)
            XCTAssertEqual(again.status, 200, again.text)
        }
        let listed = try XCTUnwrap(cluster.json(follower, "/v1/streams")?["streams"] as? [[String: Any]])
        XCTAssertEqual(listed.map { $0["id"] as? String }, ["00000000000000a1", "00000000000000a2"])

        // A follower killed and restarted catches up to the same catalogue.
        cluster.kill9(follower)
        let removed = try cluster.http(leader, "DELETE", "/v1/streams/00000000000000a1")
        XCTAssertEqual(removed.status, 200, removed.text)
        try cluster.start(follower)
        let after = try cluster.waitFor("restarted \(follower) sees the removal") { () -> [String]? in
            guard let streams = cluster.json(follower, "/v1/streams")?["streams"] as? [[String: Any]],
                streams.count == 1
            else { return nil }
            return streams.compactMap { $0["id"] as? String }
        }
        XCTAssertEqual(after, ["00000000000000a2"])
        let unknown = try cluster.http(follower, "GET", "/v1/streams/00000000000000a1")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.headers["content-type"], "application/problem+json")
        let state = try cluster.waitForSameState(cluster.ids)
        XCTAssertGreaterThan(state.appliedIndex, 0)
    }
}
