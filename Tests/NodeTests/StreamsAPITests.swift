import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// `/v1/streams*` against real node processes on loopback: ingest of the sample MP3 and MP4 into 3 nodes,
/// identical fragment lists equal to `raftcast probe`'s plan, redirects, removal, catch-up after a restart,
/// and bad requests that must not propose anything.
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

    func testBadUploadsAreRejectedAndNothingIsProposed() throws {
        cluster = try LocalCluster(size: 1, clusterSettings: ["max_upload_mb: 1"])
        try cluster.startAll()
        let node = try cluster.waitForLeader(among: cluster.ids)
        let before = try cluster.waitForSameState(cluster.ids)
        let mp3 = try Array(Data(contentsOf: URL(fileURLWithPath: Self.sample("sample.mp3"))))
        let mp4 = try Array(Data(contentsOf: URL(fileURLWithPath: Self.sample("sample.mp4"))))
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let octets = ["Content-Type": "application/octet-stream"]

        let noToken = try cluster.http(node, "POST", "/v1/streams", body: mp3, headers: octets, authorized: false)
        XCTAssertEqual(noToken.status, 401)
        let wrongToken = try cluster.http(
            node, "POST", "/v1/streams", body: mp3,
            headers: octets.merging(["Authorization": "Bearer " + String(repeating: "0", count: 64)]) { $1 },
            authorized: false)
        XCTAssertEqual(wrongToken.status, 401)
        let oversized = try cluster.http(node, "POST", "/v1/streams", body: [UInt8](repeating: 0, count: 2 << 20), headers: octets)
        XCTAssertEqual(oversized.status, 413, oversized.text)
        let random = try cluster.http(node, "POST", "/v1/streams?filename=noise.mp3", body: noise, headers: octets)
        XCTAssertEqual(random.status, 422, random.text)
        XCTAssertTrue(random.text.contains("bad-media"), random.text)
        let truncated = try cluster.http(
            node, "POST", "/v1/streams?filename=cut.mp4", body: Array(mp4.prefix(mp4.count / 3)), headers: octets)
        XCTAssertEqual(truncated.status, 422, truncated.text)
        let badID = try cluster.http(node, "POST", "/v1/streams?id=xyz", body: mp3, headers: octets)
        XCTAssertEqual(badID.status, 400, badID.text)
        let noLibrary = try cluster.http(
            node, "POST", "/v1/streams", body: Array(#"{"media": "sample.mp3"}"#.utf8),
            headers: ["Content-Type": "application/json"])
        XCTAssertEqual(noLibrary.status, 404, noLibrary.text)
        for response in [noToken, wrongToken, oversized, random, truncated, badID, noLibrary] {
            XCTAssertEqual(response.headers["content-type"], "application/problem+json")
            let problem = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            XCTAssertEqual(problem?["status"] as? Int, response.status)
            XCTAssertFalse((problem?["detail"] as? String ?? "").isEmpty)
        }

        // Nothing was proposed, nothing half-ingested stays, no upload file is left behind.
        let after = try XCTUnwrap(cluster.report(node))
        XCTAssertEqual(after.lastLogIndex, before.lastLogIndex)
        let streams = cluster.json(node, "/v1/streams")?["streams"] as? [[String: Any]]
        XCTAssertEqual(streams?.count, 0)
        let uploads = cluster.directory.appendingPathComponent("data/\(node)/uploads").path
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads), [])
    }
    /// Names are data: a stream name, an upload's file name or a library path holding a control
    /// character (C0 with newline and NUL, DEL, C1, U+2028), or too long, is refused with 422 naming
    /// the field, before anything is stored or proposed; any script and punctuation is plain text.
    func testControlCharactersInNamesAreRefusedWith422NamingTheField() throws {
        cluster = try LocalCluster(size: 1)
        try cluster.startAll()
        let node = try cluster.waitForLeader(among: cluster.ids)
        let before = try cluster.waitForSameState(cluster.ids)
        let mp3 = try Array(Data(contentsOf: URL(fileURLWithPath: Self.sample("sample.mp3"))))
        let octets = ["Content-Type": "application/octet-stream"]
        let cases: [(query: String, detail: String)] = [
            ("name=a%0Ab", "name: contains a control character (U+000A at character 2); it must be plain text"),
            ("name=%00", "name: contains a control character (U+0000 at character 1); it must be plain text"),
            ("name=x%0D%0Aforged", "name: contains a control character (U+000D at character 2); it must be plain text"),
            ("name=tab%09", "name: contains a control character (U+0009 at character 4); it must be plain text"),
            ("name=del%7F", "name: contains a control character (U+007F at character 4); it must be plain text"),
            ("name=c1%C2%85", "name: contains a control character (U+0085 at character 3); it must be plain text"),
            ("name=ls%E2%80%A8", "name: contains a control character (U+2028 at character 3); it must be plain text"),
            ("filename=a%0Ab.mp3", "filename: contains a control character (U+000A at character 2); it must be plain text"),
            ("name=" + String(repeating: "x", count: 257), "name: is 257 bytes long; at most 256 are allowed"),
            ("filename=" + String(repeating: "y", count: 256), "filename: is 256 bytes long; at most 255 are allowed"),
        ]
        for (query, detail) in cases {
            let response = try cluster.http(node, "POST", "/v1/streams?id=00000000000000c1&fast=1&\(query)", body: mp3, headers: octets)
            XCTAssertEqual(response.status, 422, query)
            XCTAssertEqual(response.headers["content-type"], "application/problem+json", query)
            let problem = try XCTUnwrap(HTTPProblem(response: response), response.text)
            XCTAssertEqual(problem.slug, "invalid-text", query)
            XCTAssertEqual(problem.detail, detail, query)
        }
        let json = ["Content-Type": "application/json"]
        for (body, detail) in [
            (#"{"media": "a\nb.mp3"}"#, "media: contains a control character (U+000A at character 2); it must be plain text"),
            (#"{"media": "sample.mp3", "name": "x\u0000"}"#, "name: contains a control character (U+0000 at character 2); it must be plain text"),
        ] {
            let response = try cluster.http(node, "POST", "/v1/streams", body: Array(body.utf8), headers: json)
            XCTAssertEqual(response.status, 422, body)
            XCTAssertEqual(HTTPProblem(response: response)?.detail, detail, response.text)
        }
        XCTAssertEqual(try XCTUnwrap(cluster.report(node)).lastLogIndex, before.lastLogIndex, "nothing was proposed")
        let uploads = cluster.directory.appendingPathComponent("data/\(node)/uploads").path
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads), [], "nothing was stored")

        // Letters of any script, punctuation and emoji are plain text, up to 256 bytes.
        let name = "Café – Live 🎵 (2nd set) " + String(repeating: "é", count: 100)
        XCTAssertLessThanOrEqual(name.utf8.count, 256)
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let accepted = try cluster.http(
            node, "POST", "/v1/streams?id=00000000000000c2&fast=1&filename=sample.mp3&name=\(name.addingPercentEncoding(withAllowedCharacters: unreserved)!)",
            body: mp3, headers: octets)
        XCTAssertEqual(accepted.status, 202, accepted.text)
        _ = try waitForEnded("00000000000000c2", on: [node])
        XCTAssertEqual(cluster.json(node, "/v1/streams/00000000000000c2")?["name"] as? String, name)
    }
}
