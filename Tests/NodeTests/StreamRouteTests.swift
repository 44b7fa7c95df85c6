import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// `POST /v1/streams` of a real ``NodeHTTPAPI`` over a one-node Raft loop in this process (on loopback):
/// bad uploads (no or a wrong token, too large, not media, truncated, a bad id, a missing library file)
/// and names holding control characters are refused with problem+json naming the reason, before anything
/// is stored or proposed; any script and punctuation is plain text.
final class StreamRouteTests: XCTestCase {
    static let secret = "stream-route-secret-0123456789"
    static func sample(_ name: String) -> String { PythonTools.repositoryRoot.appendingPathComponent("media/\(name)").path }

    private var loop: RaftLoop?

    override func tearDown() async throws {
        if let loop {
            loop.requestStop()
            await loop.waitUntilStopped()
        }
        loop = nil
    }

    /// A leading one-node loop and its API on loopback.
    struct ServedNode {
        let loop: RaftLoop
        let port: Int
        let uploads: String

        func http(
            _ method: String = "GET", _ path: String, body: [UInt8] = [], headers: [String: String] = [:],
            authorized: Bool = true
        ) throws -> HTTPFetch.Response {
            var headers = headers
            if authorized { headers["Authorization"] = "Bearer \(AdminToken.token(secret: Array(StreamRouteTests.secret.utf8)))" }
            return try HTTPFetch.request(
                host: "127.0.0.1", port: port, method: method, path: path, headers: headers, body: body, timeout: .seconds(30))
        }

        func json(_ path: String) -> [String: Any]? {
            guard let response = try? http("GET", path), response.status == 200 else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        }
    }

    private func serve(settings: [String] = []) throws -> ServedNode {
        let directory = try RouteTesting.directory(for: self, prefix: "raftcast-stream-route")
        let node = try InProcessNode.start(in: directory, secret: Self.secret, name: "stream-route", settings: settings)
        loop = node.loop
        let server = try FakeNodeServer.start(in: self, router: RouteTesting.api(node.loop, cluster: node.cluster, directory: directory, metrics: node.metrics).makeRouter())
        return ServedNode(loop: node.loop, port: server.port, uploads: directory.appendingPathComponent("uploads").path)
    }

    func testBadUploadsAreRejectedAndNothingIsProposed() throws {
        let node = try serve(settings: ["max_upload_mb: 1"])
        let before = node.loop.report
        let mp3 = try Array(Data(contentsOf: URL(fileURLWithPath: Self.sample("sample.mp3"))))
        let mp4 = try Array(Data(contentsOf: URL(fileURLWithPath: Self.sample("sample.mp4"))))
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let octets = ["Content-Type": "application/octet-stream"]

        let noToken = try node.http("POST", "/v1/streams", body: mp3, headers: octets, authorized: false)
        XCTAssertEqual(noToken.status, 401)
        let wrongToken = try node.http(
            "POST", "/v1/streams", body: mp3,
            headers: octets.merging(["Authorization": "Bearer " + String(repeating: "0", count: 64)]) { $1 },
            authorized: false)
        XCTAssertEqual(wrongToken.status, 401)
        let oversized = try node.http("POST", "/v1/streams", body: [UInt8](repeating: 0, count: 2 << 20), headers: octets)
        XCTAssertEqual(oversized.status, 413, oversized.text)
        let random = try node.http("POST", "/v1/streams?filename=noise.mp3", body: noise, headers: octets)
        XCTAssertEqual(random.status, 422, random.text)
        XCTAssertTrue(random.text.contains("bad-media"), random.text)
        let truncated = try node.http(
            "POST", "/v1/streams?filename=cut.mp4", body: Array(mp4.prefix(mp4.count / 3)), headers: octets)
        XCTAssertEqual(truncated.status, 422, truncated.text)
        let badID = try node.http("POST", "/v1/streams?id=xyz", body: mp3, headers: octets)
        XCTAssertEqual(badID.status, 400, badID.text)
        let noLibrary = try node.http(
            "POST", "/v1/streams", body: Array(#"{"media": "sample.mp3"}"#.utf8),
            headers: ["Content-Type": "application/json"])
        XCTAssertEqual(noLibrary.status, 404, noLibrary.text)
        for response in [noToken, wrongToken, oversized, random, truncated, badID, noLibrary] {
            XCTAssertEqual(response.headers["content-type"], "application/problem+json")
            let problem = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            XCTAssertEqual(problem?["status"] as? Int, response.status)
            XCTAssertFalse((problem?["detail"] as? String ?? "").isEmpty)
        }

        // Nothing was proposed, nothing half-ingested stays, no upload file is left behind.
        let after = node.loop.report
        XCTAssertEqual(after.lastLogIndex, before.lastLogIndex)
        let streams = node.json("/v1/streams")?["streams"] as? [[String: Any]]
        XCTAssertEqual(streams?.count, 0)
        let uploads = node.uploads
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads), [])
    }
    /// Names are data: a stream name, an upload's file name or a library path holding a control
    /// character (C0 with newline and NUL, DEL, C1, U+2028), or too long, is refused with 422 naming
    /// the field, before anything is stored or proposed; any script and punctuation is plain text.
    func testControlCharactersInNamesAreRefusedWith422NamingTheField() throws {
        let node = try serve()
        let before = node.loop.report
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
            let response = try node.http("POST", "/v1/streams?id=00000000000000c1&fast=1&\(query)", body: mp3, headers: octets)
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
            let response = try node.http("POST", "/v1/streams", body: Array(body.utf8), headers: json)
            XCTAssertEqual(response.status, 422, body)
            XCTAssertEqual(HTTPProblem(response: response)?.detail, detail, response.text)
        }
        XCTAssertEqual(node.loop.report.lastLogIndex, before.lastLogIndex, "nothing was proposed")
        let uploads = node.uploads
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads), [], "nothing was stored")

        // Letters of any script, punctuation and emoji are plain text, up to 256 bytes.
        let name = "Café – Live 🎵 (2nd set) " + String(repeating: "é", count: 100)
        XCTAssertLessThanOrEqual(name.utf8.count, 256)
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let accepted = try node.http(
            "POST", "/v1/streams?id=00000000000000c2&fast=1&filename=sample.mp3&name=\(name.addingPercentEncoding(withAllowedCharacters: unreserved)!)",
            body: mp3, headers: octets)
        XCTAssertEqual(accepted.status, 202, accepted.text)
        try eventually("stream c2 ended", timeout: .seconds(30)) { node.json("/v1/streams/00000000000000c2")?["state"] as? String == "ended" }
        XCTAssertEqual(node.json("/v1/streams/00000000000000c2")?["name"] as? String, name)
    }

    /// `raftcast_commit_latency_seconds` counts every proposal the leader makes, its ingest sessions' too:
    /// the stream's start, each fragment and its end.
    func testEveryIngestProposalRecordsItsCommitLatency() throws {
        let node = try serve()
        let mp3 = try Array(Data(contentsOf: URL(fileURLWithPath: Self.sample("sample.mp3"))))
        let accepted = try node.http(
            "POST", "/v1/streams?id=00000000000000d1&fast=1&filename=sample.mp3", body: mp3,
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(accepted.status, 202, accepted.text)
        let fragments = try eventually("stream d1 ended", timeout: .seconds(30)) { () -> Int? in
            guard let stream = node.json("/v1/streams/00000000000000d1"), stream["state"] as? String == "ended" else { return nil }
            return stream["committed_fragments"] as? Int
        }
        XCTAssertGreaterThan(fragments, 1)
        let metrics = try node.http("GET", "/metrics").text
        let count = metrics.split(separator: "\n").first { $0.hasPrefix("raftcast_commit_latency_seconds_count") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
        XCTAssertEqual(count, fragments + 2, metrics)
    }
}
