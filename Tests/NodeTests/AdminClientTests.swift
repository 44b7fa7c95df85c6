import Foundation
import Hummingbird
import RaftcastClient
import TestSupport
import XCTest

/// `AdminClient` (the client of `raftcast queue`, `skip`, `stop`, `streams`) against fake nodes served
/// in-process: past a member that is down and one without a leader, through a follower's 307 to the
/// leader, each write received once with the token; a write whose answer is lost is not sent to another
/// member, a read is; a 503 other than "no leader" is the answer. The real cluster is in AdminCommandTests.
final class AdminClientTests: XCTestCase {
    static let secret = "admin-client-secret-0123456789"
    static let emptyQueue = #"{"cluster_time_ns":1,"playing":null,"upcoming":[]}"#

    /// A cluster.yaml whose members' HTTP ports are `httpPorts`.
    private func cluster(httpPorts: [Int]) throws -> ClusterConfig {
        let directory = ScratchDirectory.forProcess(prefix: "raftcast-admin-client").appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try PrivateFile.write(Self.secret, to: directory.appendingPathComponent("cluster.secret").path)
        var yaml = "cluster:\n  name: fake\n  secret_file: cluster.secret\nnodes:\n"
        for (i, port) in httpPorts.enumerated() {
            yaml += "  - id: n\(i + 1)\n    raft: 127.0.0.1:\(40000 + i)\n    http: 127.0.0.1:\(port)\n    data_dir: data/n\(i + 1)\n"
        }
        let path = directory.appendingPathComponent("cluster.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ClusterConfig.load(path: path)
    }

    func testAWriteReachesTheLeaderPastADeadMemberAndOneWithoutALeaderThroughA307() throws {
        let received = Locked<[String?]>([])
        let leader = try FakeNodeServer.start(in: self) { router in
            router.post("v1/queue/skip") { request, _ -> Response in
                received.withValue { $0.append(request.headers[.authorization]) }
                return .json(Self.emptyQueue)
            }
        }
        let leaderless = try FakeNodeServer.start(in: self) { router in
            router.post("v1/queue/skip") { _, _ -> Response in .problem("no-leader", status: .serviceUnavailable, detail: "no leader known") }
        }
        let follower = try FakeNodeServer.start(in: self) { router in
            router.post("v1/queue/skip") { request, _ -> Response in
                var response = Response.problem("not-leader", status: .temporaryRedirect, detail: "the leader is n4")
                response.headers[.location] = "http://127.0.0.1:\(leader.port)\(request.uri.path)"
                return response
            }
        }
        let dead = try LocalCluster.freePorts(1)[0]
        let client = AdminClient(cluster: try cluster(httpPorts: [dead, leaderless.port, follower.port, leader.port]), timeout: .seconds(2))
        let queue = try client.skip()
        XCTAssertNil(queue.playing)
        XCTAssertEqual(received.current, ["Bearer \(AdminToken.token(secret: Array(Self.secret.utf8)))"], "one POST, with the token")

        // Only members without a leader: their 503 is the answer.
        let alone = AdminClient(cluster: try cluster(httpPorts: [dead, leaderless.port]), timeout: .seconds(2))
        XCTAssertThrowsError(try alone.skip()) { error in
            guard case .refused(let problem) = error as? AdminClient.Failure else { return XCTFail("\(error)") }
            XCTAssertEqual(problem.slug, "no-leader")
        }
        // Nobody at all: the ingest client's wording, naming the first node.
        let nobody = AdminClient(cluster: try cluster(httpPorts: [dead, try LocalCluster.freePorts(1)[0]]), timeout: .seconds(1))
        XCTAssertThrowsError(try nobody.queue()) { error in
            guard case .unavailable(let reason) = error as? AdminClient.Failure else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("no node answered (2 tried): n1 (127.0.0.1:\(dead)): cannot connect"), reason)
        }
    }

    func testALostAnswerToAWriteIsNotSentAgainButAReadIsAndNoQuorumIsTheAnswer() throws {
        let secondCalls = Locked(0)
        let slow = try FakeNodeServer.start(in: self) { router in
            router.post("v1/queue/skip") { _, _ -> Response in
                try await Task.sleep(for: .seconds(3))
                return .json(Self.emptyQueue)
            }
            router.get("v1/queue") { _, _ -> Response in
                try await Task.sleep(for: .seconds(3))
                return .json(Self.emptyQueue)
            }
            router.post("v1/queue/stop") { _, _ -> Response in
                .problem("no-quorum", status: .serviceUnavailable, detail: "the decision was not committed within 5 s")
            }
        }
        let second = try FakeNodeServer.start(in: self) { router in
            router.post("v1/queue/skip") { _, _ -> Response in
                secondCalls.withValue { $0 += 1 }
                return .json(Self.emptyQueue)
            }
            router.post("v1/queue/stop") { _, _ -> Response in
                secondCalls.withValue { $0 += 1 }
                return .json(Self.emptyQueue)
            }
            router.get("v1/queue") { _, _ -> Response in .json(Self.emptyQueue) }
        }
        let client = AdminClient(cluster: try cluster(httpPorts: [slow.port, second.port]), timeout: .milliseconds(300))
        XCTAssertThrowsError(try client.skip()) { error in
            guard case .unavailable(let reason) = error as? AdminClient.Failure else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("n1 (http://127.0.0.1:\(slow.port)/v1/queue/skip): timed out"), reason)
            XCTAssertTrue(reason.hasSuffix("the change may still take effect"), reason)
        }
        XCTAssertEqual(try client.queue().upcoming, [], "a read goes on to the next member")
        XCTAssertThrowsError(try client.stop()) { error in
            guard case .refused(let problem) = error as? AdminClient.Failure else { return XCTFail("\(error)") }
            XCTAssertEqual(problem.slug, "no-quorum")
        }
        XCTAssertEqual(secondCalls.current, 0, "no write went to a second member")
    }

    func testStreamIDsAreSixteenHexDigitsLowercased() {
        XCTAssertEqual(AdminClient.streamID("00000000000000A1"), "00000000000000a1")
        XCTAssertNil(AdminClient.streamID("a1"))
        XCTAssertNil(AdminClient.streamID("00000000000000g1"))
        XCTAssertNil(AdminClient.streamID("000000000000000a1"))
    }
}
