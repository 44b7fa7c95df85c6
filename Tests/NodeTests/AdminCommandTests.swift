import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// The operator's programme commands (`raftcast queue`, `queue move`, `queue rm`, `skip`, `stop`,
/// `streams`, `streams rm`) run as the real binary against a real 3-node cluster on loopback: each
/// command's exit code and output checked against what `GET /v1/queue` and `GET /v1/streams` answer,
/// the refusals (409 → 1, unknown stream → 2, a bad id or position → 2), a write that reaches the leader
/// after the first member of cluster.yaml is down, and a cluster file whose nodes are all down (→ 1,
/// "no node answered").
final class AdminCommandTests: XCTestCase {
    /// Length of each queued item: long enough that the first one still plays while the test reorders
    /// the queue behind it (a few seconds of commands), short to make.
    static let itemSeconds = 20

    private func raftcast(_ arguments: [String], _ cluster: LocalCluster) throws -> ProcessRun {
        try runRaftcast(arguments + ["--config", cluster.configPath], timeout: .seconds(30))
    }

    /// `GET /v1/queue` of node `id`, decoded.
    private func queue(_ cluster: LocalCluster, via id: String) throws -> QueueResource {
        let response = try cluster.http(id, "GET", "/v1/queue", timeout: .seconds(5))
        XCTAssertEqual(response.status, 200, response.text)
        return try JSONDecoder().decode(QueueResource.self, from: Data(response.body))
    }

    /// `GET /v1/streams` of node `id`, decoded.
    private func streams(_ cluster: LocalCluster, via id: String) throws -> [StreamResource] {
        let response = try cluster.http(id, "GET", "/v1/streams", timeout: .seconds(5))
        XCTAssertEqual(response.status, 200, response.text)
        return try JSONDecoder().decode(StreamList.self, from: Data(response.body)).streams
    }

    /// The ids of the upcoming items the table lists, in its numbered order.
    private static func tableUpcoming(_ table: String) -> [String] {
        table.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cells.count >= 3, Int(cells[0]) != nil else { return nil }
            return cells.first { $0.count == 16 && $0.allSatisfy(\.isHexDigit) }.map(String.init)
        }
    }

    func testQueueSkipStopAndStreamsCommandsAgainstAThreeNodeCluster() throws {
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let file = try IngestClusterTests.madeMP3(seconds: Self.itemSeconds)
        _ = try cluster.waitForLeader(among: cluster.ids)

        // Three items: a plays, b and c wait behind it.
        var ids: [String: String] = [:]
        for name in ["a", "b", "c"] {
            let run = try runRaftcast(
                ["ingest", file, "--config", cluster.configPath, "--fast", "--name", name, "--timeout", "20"], timeout: .seconds(40))
            XCTAssertEqual(run.status, 0, run.stderr)
            ids[name] = try XCTUnwrap(IngestClusterTests.streamID(inSummary: run.stdout), run.stdout)
        }
        let (a, b, c) = (ids["a"]!, ids["b"]!, ids["c"]!)
        _ = try cluster.waitFor("a plays, b and c wait") { () -> Bool? in
            guard let q = try? self.queue(cluster, via: "n1"), q.playing?.streamID == a else { return nil }
            return q.upcoming.map(\.streamID) == [b, c] ? true : nil
        }

        // queue (bare: show) — the table and --json, against GET /v1/queue.
        let shown = try raftcast(["queue"], cluster)
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let playingLine = try XCTUnwrap(shown.stdout.split(separator: "\n").first { $0.hasPrefix("▶ ") }, shown.stdout)
        XCTAssertTrue(playingLine.hasPrefix("▶ a  \(a)  "), String(playingLine))
        XCTAssertEqual(Self.tableUpcoming(shown.stdout), [b, c], shown.stdout)
        XCTAssertTrue(shown.stdout.contains("STARTS IN"), shown.stdout)
        let json = try raftcast(["queue", "--json"], cluster)
        XCTAssertEqual(json.status, 0, json.stderr)
        let printed = try JSONDecoder().decode(QueueResource.self, from: Data(json.stdout.utf8))
        let served = try queue(cluster, via: "n2")
        XCTAssertEqual(printed.playing?.streamID, served.playing?.streamID)
        XCTAssertEqual(printed.playing?.name, "a")
        XCTAssertEqual(printed.upcoming.map(\.streamID), served.upcoming.map(\.streamID))
        XCTAssertEqual(printed.upcoming.map(\.name), ["b", "c"])
        let length = try XCTUnwrap(served.playing?.durationSeconds, "a's ingest has ended: its length is known")
        XCTAssertTrue(playingLine.hasSuffix(String(format: " / %.1f s", length)), "\(playingLine) (length \(length))")

        // queue move c 0: c plays next; the printed queue is the cluster's.
        let moved = try raftcast(["queue", "move", c, "0"], cluster)
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertEqual(Self.tableUpcoming(moved.stdout), [c, b], moved.stdout)
        for node in cluster.ids {
            _ = try cluster.waitFor("\(node) has c before b") { () -> Bool? in
                (try? self.queue(cluster, via: node))?.upcoming.map(\.streamID) == [c, b] ? true : nil
            }
        }

        // Bad input: an id that is not 16 hex digits, a position that is not 0 or more → 2, nothing sent.
        let badID = try raftcast(["queue", "rm", "xyz"], cluster)
        XCTAssertEqual(badID.status, 2, badID.stderr)
        XCTAssertEqual(badID.stderr, "error: xyz: not a stream id (16 hex digits)\n")
        let badPosition = try runRaftcast(["queue", "move", "--config", cluster.configPath, c, "--", "-1"])
        XCTAssertEqual(badPosition.status, 2, badPosition.stderr)
        XCTAssertTrue(badPosition.stderr.hasPrefix("error: POSITION: '-1' is not a place"), badPosition.stderr)
        XCTAssertEqual(try queue(cluster, via: "n1").upcoming.map(\.streamID), [c, b])

        // queue rm b: out of the programme, still in the catalogue; again → 409 queue-refused → 1.
        let removed = try raftcast(["queue", "rm", b.uppercased()], cluster)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(Self.tableUpcoming(removed.stdout), [c], removed.stdout)
        XCTAssertEqual(try queue(cluster, via: "n1").upcoming.map(\.streamID), [c])
        XCTAssertTrue(try streams(cluster, via: "n1").contains { $0.id == b })
        let again = try raftcast(["queue", "rm", b], cluster)
        XCTAssertEqual(again.status, 1, again.stdout)
        XCTAssertTrue(again.stderr.hasPrefix("error: \(b): ") && again.stderr.hasSuffix("(409 queue-refused)\n"), again.stderr)
        XCTAssertEqual(again.stderr.split(separator: "\n").count, 1, again.stderr)

        // skip: a ends early (at a fragment boundary after the playout delay), c follows.
        let skipped = try raftcast(["skip", "--json"], cluster)
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        let afterSkip = try JSONDecoder().decode(QueueResource.self, from: Data(skipped.stdout.utf8))
        XCTAssertTrue(afterSkip.playing?.streamID == a && afterSkip.playing?.cut == true || afterSkip.playing?.streamID == c,
                      skipped.stdout)
        _ = try cluster.waitFor("c plays after the skip", timeout: .seconds(10)) { () -> Bool? in
            (try? self.queue(cluster, via: "n3"))?.playing?.streamID == c ? true : nil
        }

        // With the first member of cluster.yaml down, stop still reaches the leader through the next one.
        cluster.kill9("n1")
        let survivors = ["n2", "n3"]
        _ = try cluster.waitForLeader(among: survivors, timeout: .seconds(15))
        let stopped = try raftcast(["stop"], cluster)
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(stopped.stdout.contains("no items queued"), stopped.stdout)
        _ = try cluster.waitFor("nothing plays after the stop", timeout: .seconds(10)) { () -> Bool? in
            guard let q = try? self.queue(cluster, via: "n2") else { return nil }
            return q.playing == nil && q.upcoming.isEmpty ? true : nil
        }
        let stoppedAgain = try raftcast(["stop"], cluster)
        XCTAssertEqual(stoppedAgain.status, 1, "nothing left to stop: refused")
        XCTAssertTrue(stoppedAgain.stderr.hasPrefix("error: ") && stoppedAgain.stderr.contains("queue-refused"), stoppedAgain.stderr)

        // streams: every stream with its name, id, length and size, as GET /v1/streams has them.
        let listed = try raftcast(["streams"], cluster)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let catalogue = try streams(cluster, via: "n3")
        XCTAssertEqual(Set(catalogue.map(\.id)), [a, b, c])
        for stream in catalogue {
            let row = try XCTUnwrap(listed.stdout.split(separator: "\n").first { $0.contains(stream.id) }, listed.stdout)
            XCTAssertTrue(row.hasPrefix("\(stream.name) "), String(row))
            XCTAssertTrue(row.contains(String(format: "  %.1f s  ", stream.committedSeconds)), String(row))
            XCTAssertTrue(row.contains(String(format: "%.1f KiB", Double(stream.source.size) / 1024)), String(row))
            XCTAssertTrue(row.hasSuffix("ended"), String(row))
        }
        let listedJSON = try raftcast(["streams", "--json"], cluster)
        XCTAssertEqual(listedJSON.status, 0, listedJSON.stderr)
        XCTAssertEqual(try JSONDecoder().decode(StreamList.self, from: Data(listedJSON.stdout.utf8)).streams.map(\.id), catalogue.map(\.id))

        // streams rm b: gone from the catalogue on every survivor; again → 404 unknown-stream → 2.
        let deleted = try raftcast(["streams", "rm", b], cluster)
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        XCTAssertEqual(deleted.stdout, "removed stream \(b)\n")
        for node in survivors {
            _ = try cluster.waitFor("\(node) no longer lists b") { () -> Bool? in
                guard let list = try? self.streams(cluster, via: node) else { return nil }
                return Set(list.map(\.id)) == [a, c] ? true : nil
            }
        }
        let unknown = try raftcast(["streams", "rm", b], cluster)
        XCTAssertEqual(unknown.status, 2, unknown.stdout)
        XCTAssertTrue(unknown.stderr.hasPrefix("error: \(b): ") && unknown.stderr.hasSuffix("(404 unknown-stream)\n"), unknown.stderr)
    }

    func testEveryNodeDownIsARuntimeFailureNamingTheNodesTried() throws {
        // A cluster file whose nodes were never started: nothing listens on its ports.
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        for arguments in [["queue"], ["skip"], ["streams"], ["streams", "rm", "00000000000000a1"], ["members"]] {
            let run = try raftcast(arguments + ["--timeout-ms", "500"], cluster)
            XCTAssertEqual(run.status, 1, "\(arguments): \(run.stdout)")
            XCTAssertEqual(run.stdout, "", "\(arguments)")
            XCTAssertTrue(
                run.stderr.hasPrefix("error: \(cluster.configPath): no node answered (3 tried): n1 (127.0.0.1:\(cluster.httpPorts[0])): cannot connect"),
                "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        }
    }
}
