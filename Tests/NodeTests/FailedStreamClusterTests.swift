import Broadcast
import Foundation
import Media
import Node
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A crafted catalogue entry proposed straight into a playing 3-node cluster (`/v1/debug/propose`): a
/// fragment of media/sample.mp3 whose decode times jump by 6 × 10⁹ s, the file of issue 13 that killed
/// every playing node at once, and at every restart. Now every node stays up with the same applied hash,
/// the stream is `failed` everywhere with the same reason, its good fragments play, the next broadcast
/// plays on every node, and a node restarted on that log comes back.
final class FailedStreamClusterTests: XCTestCase {
    let poisonedID = "00000000000000f1"
    let nextID = "00000000000000f2"

    func testAPoisonedFragmentFailsItsStreamOnEveryNodeAndTheNextBroadcastPlays() throws {
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-failed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: captures) }
        let cluster = try LocalCluster(size: 3, debugPropose: true) { id in
            ["audio: file:FILE=\(captures.appendingPathComponent("\(id).raw").path),FORMAT=raw"]
        }
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        _ = try cluster.waitFor("every node synchronized and its engine idle") { () -> Bool? in
            cluster.ids.allSatisfy { id in
                guard let playback = cluster.json(id, "/v1/playback") else { return false }
                return playback["clock_synchronized"] as? Bool == true && playback["state"] as? String == "idle"
            } ? true : nil
        }

        var events = try EventStreamReader(port: cluster.httpPorts[cluster.index(of: cluster.ids.first { $0 != leader }!)])
        defer { events.close() }

        // The crafted stream: heard 2 s from now, fragments 0 and 1 good, fragment 2 jumps, 3 and the end follow.
        let now = try XCTUnwrap(cluster.json(leader, "/v1/playback")?["cluster_time_ns"] as? Int)
        var payloads = try NodeDriverTests.sampleStreamEntries(
            id: 0xf1, startClusterTime: ClusterTime(nanoseconds: Int64(now) + 2_000_000_000))
        guard case let .fragment(_, 2, record) = try CatalogueEntry(decoding: payloads[3]) else {
            throw TestFailure(description: "entry 3 is not fragment 2")
        }
        var fragment = try Fragment(decoding: record)
        let shift = 6_000_000_000 * Int64(fragment.timeBase.denominator) / Int64(fragment.timeBase.numerator)
        fragment.startPTS += shift
        for p in fragment.packets.indices {
            fragment.packets[p].pts = fragment.packets[p].pts.map { $0 + shift }
            fragment.packets[p].dts = fragment.packets[p].dts.map { $0 + shift }
        }
        payloads[3] = CatalogueEntry.fragment(stream: 0xf1, index: 2, record: fragment.encoded()[...]).encoded()
        var last: UInt64 = 0
        for payload in payloads.prefix(5) + payloads.suffix(1) { last = try cluster.propose(payload, leader: leader) }

        let agreed = try cluster.waitForSameState(cluster.ids, atLeast: last)
        var failures: Set<String> = []
        for id in cluster.ids {
            let stream = try XCTUnwrap(cluster.json(id, "/v1/streams/\(poisonedID)"), id)
            XCTAssertEqual(stream["state"] as? String, "failed", id)
            XCTAssertEqual(stream["committed_fragments"] as? Int, 2, id)
            failures.insert(try XCTUnwrap(stream["failure"] as? String, id))
            XCTAssertTrue(try XCTUnwrap(cluster.processes[id]).isRunning, "\(id) is up")
        }
        XCTAssertEqual(failures.count, 1, "the same reason on every node: \(failures)")
        let failure = try XCTUnwrap(failures.first)
        XCTAssertTrue(failure.hasPrefix("fragment 2: start ") && failure.contains("beyond ±2592000 s"), failure)
        // A follower's event stream says so, and the event and the stream conform to docs/openapi.yaml.
        let seen = events.read(timeout: .seconds(10)) { $0.contains { $0.name == "stream-failed" } }
        let failedEvent = try XCTUnwrap(seen.first { $0.name == "stream-failed" })
        let eventData = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(failedEvent.data.utf8)) as? [String: Any])
        XCTAssertEqual(eventData["stream"] as? String, poisonedID)
        XCTAssertEqual(eventData["fragment"] as? Int, 2)
        XCTAssertEqual(eventData["reason"] as? String, failure)
        XCTAssertFalse(seen.contains { $0.name == "fragment-committed" && $0.data.contains("\"index\":2") }, "fragment 2 never commits")
        let streamJSON = try cluster.http(leader, "GET", "/v1/streams/\(poisonedID)").text
        let validated = try ToolProcess.run(
            try PythonTools.path("python"), ["-c", OpenAPIConformanceTests.eventValidator, PythonTools.openAPIPath],
            timeout: 60, input: Data("stream-failed\t\(failedEvent.data)\n#Stream\t\(streamJSON)".utf8))
        XCTAssertEqual(validated.status, 0, validated.stdoutText + validated.stderrText)
        XCTAssertEqual(validated.stdoutText, "2 events valid\n")
        // Its good fragments play on every node, then the nodes go idle.
        _ = try cluster.waitFor("the crafted stream's good fragments played", timeout: .seconds(20)) { () -> Bool? in
            cluster.ids.allSatisfy { node in
                Set(playLog(cluster, node).filter { $0.stream.description == poisonedID }.map(\.fragment)) == [0, 1]
                    && cluster.json(node, "/v1/playback")?["state"] as? String == "idle"
            } ? true : nil
        }

        // The next broadcast plays on every node, every fragment of it.
        let upload = try cluster.http(
            leader, "POST", "/v1/streams?id=\(nextID)&fast=0&filename=sample.mp3&name=next",
            body: Array(Data(contentsOf: URL(fileURLWithPath: PlaybackClusterTests.sample))),
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(upload.status, 202, upload.text)
        let fragments = try cluster.waitFor("the next stream ended", timeout: .seconds(40)) { () -> Int? in
            guard let stream = cluster.json(leader, "/v1/streams/\(nextID)"), stream["state"] as? String == "ended" else { return nil }
            return stream["committed_fragments"] as? Int
        }
        _ = try cluster.waitFor("every node played the next stream", timeout: .seconds(25)) { () -> Bool? in
            cluster.ids.allSatisfy { node in
                Set(playLog(cluster, node).filter { $0.stream.description == nextID }.map(\.fragment)) == Set(0..<fragments)
                    && cluster.json(node, "/v1/playback")?["state"] as? String == "idle"
            } ? true : nil
        }
        for id in cluster.ids {
            XCTAssertFalse(playLog(cluster, id).contains { $0.stream.description == poisonedID && $0.fragment >= 2 }, id)
            let log = try String(contentsOf: cluster.directory.appendingPathComponent("\(id)-1.log"), encoding: .utf8)
            XCTAssertTrue(log.contains("stream failed"), "\(id) logged the failure")
            XCTAssertFalse(log.contains("Fatal error"), id)
        }

        // A follower restarted on that log comes back, applies past the entry, and agrees.
        let restarted = try XCTUnwrap(cluster.ids.first { $0 != leader })
        cluster.kill9(restarted)
        try cluster.start(restarted)
        let after = try cluster.waitForSameState(cluster.ids, atLeast: agreed.appliedIndex, timeout: .seconds(30))
        XCTAssertGreaterThan(after.appliedIndex, agreed.appliedIndex, "the next stream's entries too")
        XCTAssertEqual(cluster.json(restarted, "/v1/streams/\(poisonedID)")?["failure"] as? String, failure)
        let log = try String(contentsOf: cluster.directory.appendingPathComponent("\(restarted)-2.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("stream failed"), "the restarted node applied the entry again")
        let proposed = try cluster.propose(Array("still-serving".utf8), leader: leader)
        try cluster.waitForSameState(cluster.ids, atLeast: proposed)
        XCTAssertTrue(try XCTUnwrap(cluster.processes[restarted]).isRunning, "no crash loop")
    }

    func playLog(_ cluster: LocalCluster, _ node: String) -> [PlayLogRecord] {
        (try? PlayLog.read(path: cluster.directory.appendingPathComponent("data/\(node)/\(PlayLog.fileName)").path)) ?? []
    }
}
