import Foundation
import Hummingbird
import Node
import NIOCore
import Raft
import RaftcastClient
import TestSupport
import XCTest

/// `IngestClient` (the client of `raftcast ingest`) against fake nodes served in-process: leader
/// discovery, the streamed upload and its query, 307s, problem+json refusals, re-POSTs after a leader
/// change, and giving up after the timeout. The real cluster is in IngestClusterTests.
final class IngestClientTests: XCTestCase {
    static let secret = "client-test-secret-0123456789"
    var directory: URL!

    override func setUpWithError() throws {
        directory = ScratchDirectory.forProcess(prefix: "raftcast-ingest-client").appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A cluster.yaml whose members' HTTP ports are `httpPorts` (their raft ports are never used here).
    private func cluster(httpPorts: [Int]) throws -> ClusterConfig {
        try PrivateFile.write(Self.secret, to: directory.appendingPathComponent("cluster.secret").path)
        var yaml = "cluster:\n  name: fake\n  secret_file: cluster.secret\nnodes:\n"
        for (i, port) in httpPorts.enumerated() {
            yaml += "  - id: n\(i + 1)\n    raft: 127.0.0.1:\(40000 + i)\n    http: 127.0.0.1:\(port)\n    data_dir: data/n\(i + 1)\n"
        }
        let path = directory.appendingPathComponent("cluster.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ClusterConfig.load(path: path)
    }

    /// `/v1/cluster` of node `id` in `role` with `leader` (nil: none known).
    private static func report(_ id: String, role: String, term: Int, leader: String?) -> String {
        let leaderKey = leader.map { #","leader":"\#($0)""# } ?? ""
        return #"{"applied_count":0,"applied_hash":"0000000000000000","applied_index":0,"commit_index":0,"id":"\#(id)","last_log_index":0,"peers":[],"role":"\#(role)","snapshot_index":0,"term":\#(term)\#(leaderKey)}"#
    }

    private static func stream(_ id: String, state: String, committed: Int, total: Int?, active: Bool, error: String? = nil) -> String {
        let expected = total.map(String.init) ?? "null"
        let errorText = error.map { #""\#($0)""# } ?? "null"
        return #"{"id":"\#(id)","name":"t","state":"\#(state)","paced":false,"source":{"file":"a.mp3","size":1,"sha256":"\#(String(repeating: "0", count: 64))"},"fragment_seconds":2.0,"committed_fragments":\#(committed),"expected_fragments":\#(expected),"committed_seconds":\#(Double(committed) * 2),"committed_bytes":\#(committed * 1000),"start_cluster_time_ns":1,"start_log_index":1,"ingest":{"active":\#(active),"error":\#(errorText),"committed_fragments":\#(committed),"total_fragments":\#(expected),"bytes_per_second":null}}"#
    }

    /// A file of `count` pseudo-random bytes.
    private func file(bytes count: Int) throws -> (path: String, data: Data) {
        var generator = SplitMix64(seed: 7)
        let data = Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let url = directory.appendingPathComponent("upload.mp3")
        try data.write(to: url)
        return (url.path, data)
    }

    /// A port nothing listens on.
    private func closedPort() throws -> Int { try LocalCluster.freePorts(1)[0] }

    func testLeaderIsFoundThroughAFollowerPastAnUnreachableNode() throws {
        let follower = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n2", role: "follower", term: 5, leader: "n3")) }
        }
        let leader = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n3", role: "leader", term: 5, leader: "n3")) }
        }
        let dead = try closedPort()
        let config = try cluster(httpPorts: [dead, follower.port, leader.port])
        let found = try XCTUnwrap(ClusterStatusProbe.leader(of: config, timeout: .seconds(1)))
        XCTAssertEqual(found.id, "n3")
        XCTAssertEqual(found.term, 5)
        XCTAssertEqual(found.http.port, leader.port)

        // The leader itself unreachable: the follower's word still names it, at its cluster.yaml address.
        let withoutLeader = try cluster(httpPorts: [dead, follower.port, try closedPort()])
        let named = try XCTUnwrap(ClusterStatusProbe.leader(of: withoutLeader, timeout: .seconds(1)))
        XCTAssertEqual(named.id, "n3")
        XCTAssertEqual(named.http.port, withoutLeader.nodes[2].http.port)

        // Nobody knows a leader.
        let leaderless = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n1", role: "candidate", term: 6, leader: nil)) }
        }
        XCTAssertNil(ClusterStatusProbe.leader(of: try cluster(httpPorts: [leaderless.port, dead]), timeout: .seconds(1)))
    }

    func testUploadStreamsTheFileFollowsA307AndPollsUntilEnded() throws {
        let (path, data) = try file(bytes: 3 << 20 + 12345)
        let id = IngestClient.streamID(0xab)
        let received = Locked<[(query: String, authorization: String?, type: String?, body: Data)]>([])
        let polls = Locked(0)
        let leader = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n2", role: "leader", term: 3, leader: "n2")) }
            router.post("v1/streams") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 64 << 20)
                received.withValue {
                    $0.append((request.uri.query ?? "", request.headers[.authorization], request.headers[.contentType], Data(buffer: body)))
                }
                return Response.json(#"{"id":"\#(id)","location":"/v1/streams/\#(id)","total_fragments":3}"#, status: .accepted,
                                     headers: [.location: "/v1/streams/\(id)"])
            }
            router.get("v1/streams/:id") { _, context -> Response in
                guard context.parameters.get("id") == id else { return .problem("unknown-stream", status: .notFound, detail: "no") }
                let n = polls.withValue { $0 += 1; return $0 }
                return n < 3 ? .json(Self.stream(id, state: "ingesting", committed: n, total: nil, active: true))
                    : .json(Self.stream(id, state: "ended", committed: 3, total: 3, active: false))
            }
        }
        // n1 still believes it leads (it lost the election a moment ago): its POST answers 307 to n2.
        let stale = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n1", role: "leader", term: 2, leader: "n1")) }
            router.post("v1/streams") { request, _ -> Response in
                var response = Response.problem("not-leader", status: .temporaryRedirect, detail: "the leader is n2")
                response.headers[.location] = "http://127.0.0.1:\(leader.port)\(request.uri.description)"
                return response
            }
        }
        let config = try cluster(httpPorts: [stale.port, leader.port])
        // Both claim to lead: the higher term (n2) is asked first; make n1 the only claimant for the 307 path.
        let onlyStale = try cluster(httpPorts: [stale.port])
        let events = Locked<[String]>([])
        let client = IngestClient(
            cluster: onlyStale, request: .init(media: .upload(path: path), streamID: id, name: "Talk & more", fast: true),
            attemptTimeout: .seconds(10), onEvent: { event in events.withValue { $0.append("\(event)") } })
        let outcome = try client.run()
        XCTAssertEqual(outcome.totalFragments, 3)
        XCTAssertEqual(outcome.stream.committedFragments, 3)
        XCTAssertEqual(outcome.stream.state, "ended")
        XCTAssertEqual(outcome.posts, 1)
        let posts = received.current
        XCTAssertEqual(posts.count, 1)
        XCTAssertEqual(posts.first?.body, data, "the leader received the file's bytes")
        XCTAssertEqual(posts.first?.type, "application/octet-stream")
        XCTAssertEqual(posts.first?.authorization, "Bearer \(AdminToken.token(secret: Array(Self.secret.utf8)))")
        let query = posts.first?.query ?? ""
        XCTAssertTrue(query.contains("id=\(id)"), query)
        XCTAssertTrue(query.contains("fast=1"), query)
        XCTAssertTrue(query.contains("filename=upload.mp3"), query)
        XCTAssertTrue(query.contains("name=Talk%20%26%20more"), query)
        XCTAssertGreaterThanOrEqual(polls.current, 3)
        XCTAssertTrue(events.current.contains { $0.hasPrefix("uploading(sent: \(data.count)") }, "\(events.current.suffix(5))")
        XCTAssertEqual(try XCTUnwrap(ClusterStatusProbe.leader(of: config, timeout: .seconds(1))).id, "n2")
    }

    func testRefusalIsReportedWithoutRetrying() throws {
        let (path, _) = try file(bytes: 1000)
        let posts = Locked(0)
        let leader = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n1", role: "leader", term: 1, leader: "n1")) }
            router.post("v1/streams") { request, _ -> Response in
                _ = try await request.body.collect(upTo: 1 << 20)
                posts.withValue { $0 += 1 }
                return .problem("bad-media", status: .unprocessableContent, detail: "upload.mp3: not an MP3 or MP4 file")
            }
        }
        let client = IngestClient(
            cluster: try cluster(httpPorts: [leader.port]),
            request: .init(media: .upload(path: path), streamID: IngestClient.streamID(1), name: nil, fast: false),
            attemptTimeout: .seconds(5))
        XCTAssertThrowsError(try client.run()) { error in
            guard case .rejected(let problem) = error as? IngestClient.Failure else { return XCTFail("\(error)") }
            XCTAssertEqual(problem.slug, "bad-media")
            XCTAssertEqual(problem.status, 422)
            XCTAssertEqual(problem.detail, "upload.mp3: not an MP3 or MP4 file")
        }
        XCTAssertEqual(posts.current, 1)
    }

    func testLeaderChangeMidIngestRePostsTheSameIDToTheNewLeader() throws {
        let (path, data) = try file(bytes: 200_000)
        let id = IngestClient.streamID(0x1234_5678_9abc_def0)
        let bodies = Locked<[(node: String, id: String?, body: Data)]>([])
        let firstLeads = Locked(true)
        func node(_ name: String, isLeader: @escaping @Sendable () -> Bool, stream: @escaping @Sendable (Int) -> String) throws -> FakeNodeServer {
            let polls = Locked(0)
            return try FakeNodeServer.start(in: self) { router in
                router.get("v1/cluster") { _, _ -> Response in
                    .json(Self.report(name, role: isLeader() ? "leader" : "follower", term: isLeader() ? 1 : 2,
                                              leader: isLeader() ? name : (name == "n1" ? "n2" : nil)))
                }
                router.post("v1/streams") { request, _ -> Response in
                    let body = try await request.body.collect(upTo: 1 << 20)
                    bodies.withValue { $0.append((name, request.uri.queryParameters["id"].map(String.init), Data(buffer: body))) }
                    return .json(#"{"id":"\#(id)","location":"/v1/streams/\#(id)","total_fragments":4}"#, status: .accepted)
                }
                router.get("v1/streams/:id") { _, _ -> Response in .json(stream(polls.withValue { $0 += 1; return $0 })) }
            }
        }
        // n1 commits 2 fragments, then loses leadership (its session stops) and names n2.
        let n1 = try node("n1", isLeader: { firstLeads.current }) { poll in
            if poll >= 2 { firstLeads.withValue { $0 = false } }
            return Self.stream(id, state: "ingesting", committed: 2, total: nil, active: poll < 2,
                               error: poll < 2 ? nil : "leadership lost")
        }
        let n2 = try node("n2", isLeader: { !firstLeads.current }) { poll in
            poll < 2 ? Self.stream(id, state: "ingesting", committed: 3, total: nil, active: true)
                : Self.stream(id, state: "ended", committed: 4, total: 4, active: false)
        }
        // Time is virtual: sleeps advance it at once (the fake nodes answer at once anyway).
        let clock = Locked(ContinuousClock.now)
        let start = clock.current
        let client = IngestClient(
            cluster: try cluster(httpPorts: [n1.port, n2.port]),
            request: .init(media: .upload(path: path), streamID: id, name: nil, fast: true), attemptTimeout: .seconds(10),
            now: { clock.current }, sleep: { d in clock.withValue { $0 += d } })
        let outcome = try client.run()
        XCTAssertEqual(outcome.posts, 2)
        XCTAssertGreaterThanOrEqual(clock.current - start, IngestClient.startGrace, "n1's stop believed only after the grace")
        XCTAssertEqual(outcome.stream.committedFragments, 4)
        let posted = bodies.current
        XCTAssertEqual(posted.map(\.node), ["n1", "n2"])
        XCTAssertEqual(posted.map(\.id), [id, id], "the re-POST carries the same stream id")
        XCTAssertTrue(posted.allSatisfy { $0.body == data })
    }

    func testNoLeaderGivesUpAfterTheTimeoutOnTheInjectedClock() throws {
        let leaderless = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n1", role: "candidate", term: 9, leader: nil)) }
        }
        let (path, _) = try file(bytes: 100)
        let clock = Locked(ContinuousClock.now)
        let start = clock.current
        let client = IngestClient(
            cluster: try cluster(httpPorts: [leaderless.port, try closedPort()]),
            request: .init(media: .upload(path: path), streamID: IngestClient.streamID(2), name: nil, fast: true),
            attemptTimeout: .seconds(30), now: { clock.current }, sleep: { d in clock.withValue { $0 += d } })
        let wall = ContinuousClock.now
        XCTAssertThrowsError(try client.run()) { error in
            guard case .unavailable(let reason) = error as? IngestClient.Failure else { return XCTFail("\(error)") }
            XCTAssertEqual(reason, "no progress within 30.0 s: no leader known to any node (1 of 2 answered)")
        }
        XCTAssertGreaterThanOrEqual(clock.current - start, .seconds(30))
        XCTAssertLessThan(clock.current - start, .seconds(31))
        XCTAssertLessThan(ContinuousClock.now - wall, .seconds(20), "the injected clock, not the wall clock, bounds it")
    }
    /// A leader whose disk is full (507) is not a refusal: the client posts again, pausing 0.2, 0.4,
    /// 0.8 s…, and goes on once the leader has room.
    func testInsufficientStorageIsRetriedWithGrowingPauses() throws {
        let (path, data) = try file(bytes: 5000)
        let id = IngestClient.streamID(0x507)
        let bodies = Locked<[Data]>([])
        let leader = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n1", role: "leader", term: 1, leader: "n1")) }
            router.post("v1/streams") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                let n = bodies.withValue { $0.append(Data(buffer: body)); return $0.count }
                guard n > 3 else {
                    return .problem("insufficient-storage", status: .init(code: 507, reasonPhrase: "Insufficient Storage"),
                                    detail: "the leader ran out of disk space storing the upload")
                }
                return .json(#"{"id":"\#(id)","location":"/v1/streams/\#(id)","total_fragments":1}"#, status: .accepted)
            }
            router.get("v1/streams/:id") { _, _ -> Response in .json(Self.stream(id, state: "ended", committed: 1, total: 1, active: false)) }
        }
        let clock = Locked(ContinuousClock.now)
        let sleeps = Locked<[Duration]>([])
        let events = Locked<[String]>([])
        let client = IngestClient(
            cluster: try cluster(httpPorts: [leader.port]),
            request: .init(media: .upload(path: path), streamID: id, name: nil, fast: true), attemptTimeout: .seconds(30),
            now: { clock.current }, sleep: { d in sleeps.withValue { $0.append(d) }; clock.withValue { $0 += d } },
            onEvent: { event in events.withValue { $0.append("\(event)") } })
        let outcome = try client.run()
        XCTAssertEqual(outcome.posts, 4)
        XCTAssertEqual(bodies.current.count, 4)
        XCTAssertTrue(bodies.current.allSatisfy { $0 == data }, "the whole file on every attempt")
        XCTAssertEqual(Array(sleeps.current.prefix(3)), [.milliseconds(200), .milliseconds(400), .milliseconds(800)])
        let retries = events.current.filter { $0.hasPrefix("retrying") }
        XCTAssertEqual(retries.count, 3, "\(events.current)")
        XCTAssertTrue(retries.allSatisfy { $0.contains("(507 insufficient-storage)") }, "\(retries)")
    }

    /// A disk that stays full: the client gives up after the timeout (a runtime failure, exit 1 in
    /// `raftcast ingest`), having posted a bounded number of times.
    func testInsufficientStorageThatLastsGivesUpAfterTheTimeout() throws {
        let (path, _) = try file(bytes: 100)
        let posts = Locked(0)
        let leader = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n1", role: "leader", term: 1, leader: "n1")) }
            router.post("v1/streams") { request, _ -> Response in
                _ = try await request.body.collect(upTo: 1 << 20)
                posts.withValue { $0 += 1 }
                return .problem("insufficient-storage", status: .init(code: 507, reasonPhrase: "Insufficient Storage"), detail: "no room")
            }
        }
        let clock = Locked(ContinuousClock.now)
        let start = clock.current
        let client = IngestClient(
            cluster: try cluster(httpPorts: [leader.port]),
            request: .init(media: .upload(path: path), streamID: IngestClient.streamID(3), name: nil, fast: true),
            attemptTimeout: .seconds(10), now: { clock.current }, sleep: { d in clock.withValue { $0 += d } })
        XCTAssertThrowsError(try client.run()) { error in
            guard case .unavailable(let reason) = error as? IngestClient.Failure else { return XCTFail("\(error)") }
            XCTAssertEqual(reason, "no progress within 10.0 s: n1: no room (507 insufficient-storage)")
        }
        XCTAssertEqual(clock.current - start, .seconds(10), "the last pause ends at the deadline, not beyond")
        // 0.2 + 0.4 + 0.8 + 1.6 + 2 + 2 + 2 + 1 (cut at the deadline): 8 posts, not 50 at a fixed 0.2 s.
        XCTAssertEqual(posts.current, 8)
        XCTAssertEqual(IngestClient.retryDelay(afterFailures: 0), .milliseconds(200))
        XCTAssertEqual(IngestClient.retryDelay(afterFailures: 3), .milliseconds(1600))
        XCTAssertEqual(IngestClient.retryDelay(afterFailures: 4), .seconds(2))
        XCTAssertEqual(IngestClient.retryDelay(afterFailures: 1000), .seconds(2))
    }
}
