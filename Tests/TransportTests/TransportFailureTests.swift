import Crypto
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport
import XCTest

@testable import Transport
import Raft

final class TransportFailureTests: XCTestCase {
    /// Waits until every link from `id` has failed at least `failures` times in a row.
    func waitForFailures(_ cluster: TestCluster, _ id: String, _ failures: Int = 2) async throws {
        try await eventually("every link of \(id) failed \(failures) times in a row") {
            cluster[id].linkStatuses.allSatisfy { $0.consecutiveFailures >= failures }
        }
    }

    func testWrongSecretIsRefusedLoggedAndNothingDelivered() async throws {
        let cluster = try await TestCluster.start(["a", "b"]) { config in
            if config.localID == "b" { config.secret = Array("a different secret".utf8) }
        }
        for lane in Lane.allCases {
            _ = cluster["a"].send([1], to: "b", lane: lane)
            _ = cluster["b"].send([2], to: "a", lane: lane)
        }
        try await waitForFailures(cluster, "a")
        try await waitForFailures(cluster, "b")
        XCTAssertTrue(cluster.linkStatusesAreNeverConnected())
        XCTAssertTrue(cluster.logs["a"]!.contains("failed to prove knowledge of the cluster secret"))
        XCTAssertTrue(cluster.logs["b"]!.contains("failed to prove knowledge of the cluster secret"))
        XCTAssertTrue(cluster.nothingDelivered())
        await cluster.shutdown()
    }

    func testUnknownNodeIdIsRefused() async throws {
        // "x" knows b, but b's configuration does not list "x".
        let cluster = try await TestCluster.start(["x", "b"]) { config in
            if config.localID == "b" { config.peers = ["a": PeerAddress(host: "127.0.0.1", port: 1)] }
        }
        for lane in Lane.allCases { _ = cluster["x"].send([1], to: "b", lane: lane) }
        try await waitForFailures(cluster, "x")
        XCTAssertTrue(cluster.logs["b"]!.contains("unknown node id \"x\""))
        // x proved the secret, so b tells it why (a refusal frame) and x says so.
        XCTAssertTrue(cluster.logs["x"]!.contains("refused by the peer: not a member"))
        XCTAssertTrue(cluster.nothingDelivered())
        await cluster.shutdown()
    }

    func testWrongClusterNameIsRefused() async throws {
        let cluster = try await TestCluster.start(["a", "b"]) { config in
            if config.localID == "a" { config.clusterName = "kitchen" }
        }
        for lane in Lane.allCases { _ = cluster["a"].send([1], to: "b", lane: lane) }
        try await waitForFailures(cluster, "a")
        XCTAssertTrue(cluster.logs["b"]!.contains("peer belongs to cluster \"kitchen\""))
        XCTAssertTrue(cluster.nothingDelivered())
        await cluster.shutdown()
    }

    func testGarbageClientIsClosedAndServerKeepsServing() async throws {
        let cluster = try await TestCluster.start(["a", "b"])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address = cluster["b"].listeningAddress!
        var rng = SplitMix64(seed: 42)
        for round in 0..<5 {
            let raw = try await RawClient.connect(to: address, group: group)
            try? await raw.write((0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) })
            try await eventually("round \(round): the garbage connection is closed", timeout: .seconds(5)) { raw.isClosed }
        }
        // A huge length prefix before authentication is refused at once.
        let raw = try await RawClient.connect(to: address, group: group)
        try? await raw.write([0x00, 0x00, 0x00, 0x7F])
        try await eventually("the connection with a huge length prefix is closed", timeout: .seconds(5)) { raw.isClosed }
        XCTAssertTrue(cluster.logs["b"]!.contains("exceeds the limit of \(Frame.maxHandshakeBodySize)"))
        // Legitimate peers are still served.
        XCTAssertEqual(cluster["a"].send([7], to: "b", lane: .control), .queued)
        try await eventually("b receives a's message") { cluster.collectors["b"]![.control]!.payloads(from: "a") == [[7]] }
        try await group.shutdownGracefully()
        await cluster.shutdown()
    }

    /// A client that knows the protocol but not the secret: its payload frames,
    /// sent before or instead of a valid proof, are never delivered.
    func testPayloadWithoutValidProofIsNeverDelivered() async throws {
        let cluster = try await TestCluster.start(["a", "b"])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address = cluster["b"].listeningAddress!
        let payload = Frame(kind: .payload, body: ByteBuffer(bytes: [6, 6, 6]))

        // 1. Payload straight away.
        let eager = try await RawClient.connect(to: address, group: group)
        try? await eager.write(payload)
        try await eventually("the eager client is closed", timeout: .seconds(5)) { eager.isClosed }

        // 2. Valid hello, forged proof, then payload.
        let forger = try await RawClient.connect(to: address, group: group)
        let hello = ClientHello(lane: .control, nonce: Array(repeating: 1, count: 32), clusterName: "test", from: "a", to: "b")
        try await forger.write(Frame(kind: .hello, body: hello.encodedBody()))
        let challenge = try await eventually("the forger gets a frame", timeout: .seconds(5)) { forger.nextFrame() }
        XCTAssertEqual(challenge.kind, .challenge)
        try? await forger.write(Frame(kind: .proof, body: ByteBuffer(repeating: 0, count: 32)))
        try? await forger.write(payload)
        try await eventually("the forger is closed", timeout: .seconds(5)) { forger.isClosed }
        XCTAssertTrue(cluster.logs["b"]!.contains("client failed to prove knowledge of the cluster secret"))
        XCTAssertEqual(cluster.collectors["b"]![.control]!.payloads(from: "a"), [])
        try await group.shutdownGracefully()
        await cluster.shutdown()
    }

    func testSilentClientIsClosedAfterHandshakeTimeout() async throws {
        let cluster = try await TestCluster.start(["a", "b"]) { $0.handshakeTimeout = .milliseconds(300) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let raw = try await RawClient.connect(to: cluster["b"].listeningAddress!, group: group)
        try await eventually("the silent client is closed", timeout: .seconds(5)) { raw.isClosed }
        XCTAssertTrue(cluster.logs["b"]!.contains("handshake timed out"))
        try await group.shutdownGracefully()
        await cluster.shutdown()
    }

    /// While the peer is down, sends are dropped and counted; queue memory stays
    /// within its limits; when the peer is back on the same address the link
    /// redials within the backoff bound and messages flow again.
    func testPeerDownDropsBoundedThenReconnectsWithinBackoffBound() async throws {
        let maxBackoff = Duration.milliseconds(200)
        let cluster = try await TestCluster.start(["a", "b"]) { config in
            config.controlQueue = .init(maxBytes: 4096, maxMessages: 16)
        }
        try await eventually("every link connected") { cluster.allConnected() }
        let bAddress = cluster["b"].listeningAddress!
        await cluster["b"].shutdown()

        // The loss is noticed; the link backs off.
        try await eventually("a's link to b failed 3 times in a row") {
            cluster["a"].linkStatus(peer: "b", lane: .control)!.consecutiveFailures >= 3
        }
        var dropped = 0
        var peakQueuedBytes = 0
        for i in 0..<2000 {
            if case .dropped = cluster["a"].send([UInt8](repeating: UInt8(i & 0xFF), count: 100), to: "b", lane: .control) {
                dropped += 1
            }
            let status = cluster["a"].linkStatus(peer: "b", lane: .control)!
            peakQueuedBytes = max(peakQueuedBytes, status.queuedBytes)
            XCTAssertLessThanOrEqual(status.queuedMessages, 16)
        }
        XCTAssertLessThanOrEqual(peakQueuedBytes, 4096)
        XCTAssertGreaterThan(dropped, 1900)
        let status = cluster["a"].linkStatus(peer: "b", lane: .control)!
        XCTAssertGreaterThanOrEqual(status.droppedTotal, dropped)

        // b comes back on the same address.
        let log = CapturedLog()
        let back = Transport(config: TransportConfig(
            clusterName: "test", secret: Array("correct horse battery staple".utf8), localID: "b",
            listenAddress: bAddress, peers: ["a": cluster["a"].listeningAddress!], logger: log.logger("b2")))
        let inbound = Collector(back.messages(on: .control)!)
        let clock = ContinuousClock()
        try await back.start()
        let restartedAt = clock.now
        try await eventually("a reconnects to b") {
            cluster["a"].linkStatus(peer: "b", lane: .control)!.state == .connected
        }
        let elapsed = clock.now - restartedAt
        XCTAssertLessThan(elapsed, maxBackoff + .milliseconds(500), "redial took longer than the backoff bound")
        XCTAssertEqual(cluster["a"].send([42], to: "b", lane: .control), .queued)
        try await eventually("the restarted b receives a's message") { inbound.payloads(from: "a").contains([42]) }
        await back.shutdown()
        await cluster.shutdown()
    }

    func testSendAfterShutdownIsDropped() async throws {
        let cluster = try await TestCluster.start(["a", "b"])
        await cluster.shutdown()
        XCTAssertEqual(cluster["a"].send([1], to: "b", lane: .control), .dropped(.notRunning))
    }
}

extension TestCluster {
    func nothingDelivered() -> Bool {
        collectors.values.allSatisfy { $0.values.allSatisfy { $0.received.isEmpty } }
    }

    func linkStatusesAreNeverConnected() -> Bool {
        transports.values.allSatisfy { $0.linkStatuses.allSatisfy { $0.connects == 0 } }
    }
}

final class TransportShutdownTests: XCTestCase {
    /// A peer that accepts TCP but never answers the hello: shutting the
    /// transport down closes that half-open attempt at once, not after the
    /// handshake timeout.
    func testShutdownClosesAConnectionStillInHandshake() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let silentServer = try await SilentServer.start(on: group)
        let transport = Transport(config: TransportConfig(
            clusterName: "test", secret: Array("correct horse battery staple".utf8), localID: "a",
            listenAddress: PeerAddress(host: "127.0.0.1", port: 0),
            peers: ["b": silentServer.address],
            handshakeTimeout: .seconds(30)), group: group)
        try await transport.start()
        try await eventually("the transport dials every lane") { silentServer.acceptedCount == Lane.allCases.count }
        XCTAssertEqual(transport.linkStatus(peer: "b", lane: .control)?.state, .connecting)
        let clock = ContinuousClock()
        let start = clock.now
        await transport.shutdown()
        try await eventually("the half-open connections are closed", timeout: .seconds(5)) {
            silentServer.allClosed
        }
        XCTAssertLessThan(clock.now - start, .seconds(5))
        XCTAssertEqual(transport.linkStatus(peer: "b", lane: .control)?.state, .stopped)
        try await silentServer.close()
        try await group.shutdownGracefully()
    }
}

final class InboundConnectionTests: XCTestCase {
    /// A peer that dials again (say after a reboot that left its old socket
    /// half-open) replaces its older connection on that lane, which is closed.
    func testNewerConnectionFromTheSamePeerReplacesTheOlder() async throws {
        let cluster = try await TestCluster.start(["a", "b"])
        try await eventually("a and b connected") { cluster.allConnected() && cluster["b"].inboundPeers(on: .control) == ["a"] }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // An impostor-free second "a": it knows the secret and completes the handshake.
        let second = try await RawClient.connect(to: cluster["b"].listeningAddress!, group: group)
        var handshake = ClientHandshake(
            hello: ClientHello(lane: .control, nonce: Array(repeating: 4, count: 32), clusterName: "test", from: "a", to: "b"),
            secret: SymmetricKey(data: Array("correct horse battery staple".utf8)))
        try await second.write(handshake.helloFrame)
        let challenge = try await eventually("the second a gets a challenge", timeout: .seconds(5)) { second.nextFrame() }
        guard case .send(let proof) = handshake.receive(challenge) else { return XCTFail("no challenge") }
        try await second.write(proof)
        let accept = try await eventually("the second a gets an answer", timeout: .seconds(5)) { second.nextFrame() }
        XCTAssertEqual(accept.kind, .accept)
        // a's original control connection was closed by b; a notices and redials, replacing ours in turn.
        try await eventually("a redials b") {
            (cluster["a"].linkStatus(peer: "b", lane: .control)?.connects ?? 0) >= 2
        }
        try await eventually("b closes the second a's connection") { second.isClosed }
        XCTAssertTrue(cluster.logs["b"]!.contains("older connection", atLeast: .info))
        XCTAssertEqual(cluster["a"].send([5], to: "b", lane: .control), .queued)
        try await eventually("b receives a's message") { cluster.collectors["b"]![.control]!.payloads(from: "a").contains([5]) }
        try await group.shutdownGracefully()
        await cluster.shutdown()
    }
}
