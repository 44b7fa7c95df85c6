import Foundation
import Node
import TestSupport
import XCTest

/// Ingest across leader changes and the event stream, with real node processes on loopback.
final class IngestTakeoverTests: XCTestCase {
    static let mediaDirectory = StreamsAPITests.repositoryRoot.appendingPathComponent("media").path

    var cluster: LocalCluster!

    override func tearDown() {
        cluster?.shutdown()
        cluster = nil
    }

    func testANewLeaderResumesAPacedLibraryStreamByItself() throws {
        cluster = try LocalCluster(size: 3, clusterSettings: ["media_dir: \(Self.mediaDirectory)"])
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let id = "00000000000000c1"
        let accepted = try cluster.http(
            leader, "POST", "/v1/streams", body: Array(#"{"media": "sample.mp3", "id": "\#(id)", "name": "live"}"#.utf8),
            headers: ["Content-Type": "application/json"])
        XCTAssertEqual(accepted.status, 202, accepted.text)
        let total = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(accepted.body)) as? [String: Any])?["total_fragments"] as? Int)
        XCTAssertEqual(total, 6)

        // Paced: the first fragments commit at once, the last ones only seconds later. Kill the leader then.
        let survivors = cluster.ids.filter { $0 != leader }
        let committedBeforeKill = try cluster.waitFor("the first fragments committed", timeout: .seconds(10)) { () -> Int? in
            guard let stream = cluster.json(survivors[0], "/v1/streams/\(id)"),
                let committed = stream["committed_fragments"] as? Int, committed >= 1
            else { return nil }
            return committed
        }
        XCTAssertLessThan(committedBeforeKill, total, "paced ingest must not commit the whole file at once")
        cluster.kill9(leader)

        let newLeader = try cluster.waitForLeader(among: survivors)
        let fragments = try cluster.waitFor("the stream ended on both survivors", timeout: .seconds(30)) { () -> [[Int]]? in
            var lists: [[Int]] = []
            for node in survivors {
                guard cluster.json(node, "/v1/streams/\(id)")?["state"] as? String == "ended",
                    let list = cluster.json(node, "/v1/streams/\(id)/fragments")?["fragments"] as? [[String: Any]]
                else { return nil }
                lists.append(list.map { $0["index"] as! Int })
            }
            return lists
        }
        for list in fragments { XCTAssertEqual(list, Array(0..<total), "every fragment exactly once, in order") }
        let status = try XCTUnwrap(cluster.json(newLeader, "/v1/streams/\(id)")?["ingest"] as? [String: Any])
        XCTAssertEqual(status["active"] as? Bool, false)
        XCTAssertNil(status["error"] as? String)
        let log = cluster.logTails(lines: 200)
        XCTAssertTrue(log.contains("ingest of stream \(id) (sample.mp3) started at fragment"), log)
    }

    func testEventStreamShowsLeaderAndEveryCatalogueChange() throws {
        cluster = try LocalCluster(size: 3)
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let follower = cluster.ids.first { $0 != leader }!
        _ = try cluster.waitForSameState(cluster.ids)
        var reader = try EventStreamReader(port: cluster.httpPorts[cluster.index(of: follower)])
        defer { reader.close() }
        let first = reader.read(timeout: .seconds(5)) { !$0.isEmpty }
        XCTAssertEqual(first.first?.name, "leader")
        XCTAssertTrue(first.first?.data.contains("\"leader\":\"\(leader)\"") ?? false, "\(first)")

        let id = "00000000000000e1"
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: StreamsAPITests.sample("sample.mp3"))))
        let accepted = try cluster.http(
            leader, "POST", "/v1/streams?id=\(id)&fast=1&filename=sample.mp3", body: bytes,
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(accepted.status, 202, accepted.text)
        let events = reader.read(timeout: .seconds(20)) { $0.contains { $0.name == "stream-ended" } }
        XCTAssertEqual(
            events.map(\.name), ["stream-started", "queue"] + Array(repeating: "fragment-committed", count: 6) + ["stream-ended"])
        XCTAssertEqual(events.first?.data, #"{"stream":"\#(id)","name":"sample.mp3"}"#)
        XCTAssertTrue(events[1].data.hasPrefix(#"{"command":"enqueue","stream":"\#(id)","at_ns":"#), events[1].data)
        let indices = events.filter { $0.name == "fragment-committed" }.compactMap { event -> Int? in
            let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any]
            return object?["index"] as? Int
        }
        XCTAssertEqual(indices, Array(0..<6))
        XCTAssertEqual(events.last?.data, #"{"stream":"\#(id)","fragments":6}"#)
    }

    func testClosedReadsNeedTheToken() throws {
        cluster = try LocalCluster(size: 1, clusterSettings: ["open_reads: false"])
        try cluster.startAll()
        let node = cluster.ids[0]
        _ = try cluster.waitFor("node \(node) leads") { () -> Bool? in
            guard let response = try? cluster.http(node, "GET", "/v1/cluster"), response.status == 200 else { return nil }
            return response.text.contains("\"role\":\"leader\"") ? true : nil
        }
        for path in ["/v1/streams", "/v1/cluster", "/metrics"] {
            let open = try cluster.http(node, "GET", path, authorized: false)
            XCTAssertEqual(open.status, 401, path)
            XCTAssertEqual(open.headers["content-type"], "application/problem+json")
            let authorized = try cluster.http(node, "GET", path)
            XCTAssertEqual(authorized.status, 200, path)
        }
        // `raftcast status` reads with the token derived from the config's secret.
        let status = try RaftcastExecutable.run(["status", "--config", cluster.configPath])
        XCTAssertEqual(status.status, 0, status.stderrText)
        XCTAssertTrue(status.stdoutText.contains("PLAYING"), status.stdoutText)
        XCTAssertTrue(status.stdoutText.contains("leader"), status.stdoutText)
    }
}
