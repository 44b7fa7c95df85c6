import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport
import XCTest

@testable import Transport

/// Peers added and removed while the transports run, on 127.0.0.1 with real sockets; every wait is on
/// a condition with a bound.
final class TransportMembershipTests: XCTestCase {
    /// a and b start knowing no peer. a adds b first: b refuses a's handshakes (unknown node) until b
    /// adds a too; then both directions connect on both lanes and messages flow.
    func testPeersAddedAtRuntimeAreDialedAcceptedAndExchange() async throws {
        let cluster = try await TestCluster.start(["a", "b"]) { $0.peers = [:] }
        XCTAssertEqual(cluster["a"].send([0], to: "b", lane: .control), .dropped(.unknownPeer))
        XCTAssertEqual(cluster["a"].linkStatuses, [])

        XCTAssertEqual(try cluster["a"].addPeer("b", at: cluster["b"].listeningAddress!), .added)
        XCTAssertEqual(cluster["a"].peers.ids, ["b"])
        try await eventually("b refuses a, not yet one of its peers") {
            cluster.logs["b"]!.contains("unknown node id \"a\"")
                && cluster["a"].linkStatuses.allSatisfy { $0.consecutiveFailures >= 1 }
        }
        XCTAssertEqual(cluster["b"].inboundPeers(on: .control), [])

        XCTAssertEqual(try cluster["b"].addPeer("a", at: cluster["a"].listeningAddress!), .added)
        try await eventually("both directions connected on both lanes") {
            cluster.allConnected() && cluster["a"].linkStatuses.count == 2 && cluster["b"].linkStatuses.count == 2
                && Lane.allCases.allSatisfy { cluster["a"].inboundPeers(on: $0) == ["b"] && cluster["b"].inboundPeers(on: $0) == ["a"] }
        }
        for lane in Lane.allCases {
            XCTAssertEqual(cluster["a"].send(Array("a>b \(lane)".utf8), to: "b", lane: lane), .queued)
            XCTAssertEqual(cluster["b"].send(Array("b>a \(lane)".utf8), to: "a", lane: lane), .queued)
        }
        try await eventually("the messages arrive both ways on both lanes") {
            Lane.allCases.allSatisfy { lane in
                cluster.collectors["b"]![lane]!.payloads(from: "a") == [Array("a>b \(lane)".utf8)]
                    && cluster.collectors["a"]![lane]!.payloads(from: "b") == [Array("b>a \(lane)".utf8)]
            }
        }
        XCTAssertTrue(cluster.logs["a"]!.contains("peer added", atLeast: .info))
        // Adding it again changes nothing; the node's own id is refused.
        XCTAssertEqual(try cluster["a"].addPeer("b", at: cluster["b"].listeningAddress!), .unchanged)
        XCTAssertThrowsError(try cluster["a"].addPeer("a", at: cluster["a"].listeningAddress!)) {
            XCTAssertEqual($0 as? PeerTable.Refusal, .localNode("a"))
        }
        XCTAssertEqual(cluster["a"].linkStatus(peer: "b", lane: .control)?.connects, 1)
        await cluster.shutdown()
    }

    /// b removes a: both directions close on both lanes, a's redials are refused at the handshake as a
    /// removed node, nothing a sends is delivered, and b's sends to a are dropped as `peer_removed`.
    /// Adding a back lets it in again.
    func testRemovedPeerIsDisconnectedRefusedAtHandshakeAndDropped() async throws {
        let cluster = try await TestCluster.start(["a", "b"])
        try await eventually("a and b connected both ways") {
            cluster.allConnected()
                && Lane.allCases.allSatisfy { cluster["a"].inboundPeers(on: $0) == ["b"] && cluster["b"].inboundPeers(on: $0) == ["a"] }
        }
        let aAddress = cluster["a"].listeningAddress!
        let connectsBefore = cluster["a"].linkStatus(peer: "b", lane: .control)!.connects

        XCTAssertEqual(cluster["b"].removePeer("a"), .removed(aAddress))
        XCTAssertEqual(cluster["b"].peers.standing(of: "a"), .removed)
        XCTAssertEqual(cluster["b"].linkStatuses, [], "b no longer dials a")
        XCTAssertEqual(cluster["b"].send([1], to: "a", lane: .control), .dropped(.peerRemoved))
        XCTAssertEqual(cluster["b"].send([1], to: "a", lane: .bulk), .dropped(.peerRemoved))
        XCTAssertEqual(cluster["b"].removePeer("a"), .notAPeer)

        try await eventually("b's connections to a are closed (a sees no inbound b)") {
            Lane.allCases.allSatisfy { cluster["a"].inboundPeers(on: $0).isEmpty }
        }
        // a's connections to b were closed by b; a redials and b refuses it at the handshake.
        try await eventually("a's redials are refused as a removed node") {
            cluster.logs["b"]!.contains("node \"a\" was removed from this node's peers")
                && cluster["a"].linkStatuses.allSatisfy { $0.consecutiveFailures >= 2 }
        }
        XCTAssertTrue(Lane.allCases.allSatisfy { cluster["b"].inboundPeers(on: $0).isEmpty })
        XCTAssertEqual(cluster["a"].linkStatus(peer: "b", lane: .control)!.connects, connectsBefore,
                       "no handshake completed since the removal")
        XCTAssertTrue(cluster.logs["b"]!.contains("peer removed", atLeast: .info))
        for _ in 0..<3 { _ = cluster["a"].send([9], to: "b", lane: .control) }
        try await eventually("a keeps being refused") {
            cluster["a"].linkStatus(peer: "b", lane: .control)!.consecutiveFailures >= 4
        }
        XCTAssertFalse(cluster.collectors["b"]![.control]!.payloads(from: "a").contains([9]))

        // Added back: a gets in again and b dials it.
        XCTAssertEqual(try cluster["b"].addPeer("a", at: aAddress), .added)
        try await eventually("a and b reconnect both ways") {
            cluster.allConnected()
                && Lane.allCases.allSatisfy { cluster["a"].inboundPeers(on: $0) == ["b"] && cluster["b"].inboundPeers(on: $0) == ["a"] }
        }
        XCTAssertEqual(cluster["a"].send([10], to: "b", lane: .control), .queued)
        XCTAssertEqual(cluster["b"].send([11], to: "a", lane: .control), .queued)
        try await eventually("messages flow again") {
            cluster.collectors["b"]![.control]!.payloads(from: "a").contains([10])
                && cluster.collectors["a"]![.control]!.payloads(from: "b").contains([11])
        }
        await cluster.shutdown()
    }

    /// A link stopped because its peer was removed drops what was queued, counted as `peer_removed`,
    /// and so are later sends that reach it (a send racing the removal).
    func testARemovedPeersLinkDropsItsQueueAsPeerRemoved() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let silentServer = try await SilentServer.start(on: group)
        let address = silentServer.address
        let factory = ConnectionFactory.forTests(localID: "a", peers: ["silent": address]) { $0.handshakeTimeout = .seconds(30) }
        let link = PeerLink(peer: "silent", lane: .control, address: address, eventLoop: group.next(), factory: factory)
        link.start()
        try await eventually("the link dials") { silentServer.acceptedCount == 1 }
        for _ in 0..<3 { XCTAssertEqual(link.send(ByteBuffer(bytes: [1, 2])), .queued) }
        XCTAssertEqual(link.status.queuedMessages, 3)

        try await link.shutdown(dropping: .peerRemoved).get()
        var status = link.status
        XCTAssertEqual(status.state, .stopped)
        XCTAssertEqual(status.queuedMessages, 0)
        XCTAssertEqual(status.queuedBytes, 0)
        XCTAssertEqual(status.dropped, [.peerRemoved: 3])
        XCTAssertEqual(link.send(ByteBuffer(bytes: [3])), .dropped(.peerRemoved))
        status = link.status
        XCTAssertEqual(status.dropped, [.peerRemoved: 4])
        try await eventually("the attempt is closed") { silentServer.allClosed }
        try await silentServer.close()
        try await group.shutdownGracefully()
    }

    /// Removing a peer whose connections are still in their handshake (a peer that accepts TCP and
    /// never answers) closes them at once, not after the handshake timeout, and forgets its links and
    /// their queues.
    func testRemovingAPeerClosesAttemptsStillInHandshake() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let silentServer = try await SilentServer.start(on: group)
        let log = CapturedLog()
        let transport = Transport(config: TransportConfig(
            clusterName: "test", secret: Array("correct horse battery staple".utf8), localID: "a",
            listenAddress: PeerAddress(host: "127.0.0.1", port: 0), peers: [:],
            handshakeTimeout: .seconds(30), logger: log.logger("transport.a")), group: group)
        try await transport.start()
        try transport.addPeer("silent", at: silentServer.address)
        try await eventually("the transport dials every lane") { silentServer.acceptedCount == Lane.allCases.count }
        for _ in 0..<3 { XCTAssertEqual(transport.send([1, 2], to: "silent", lane: .control), .queued) }
        XCTAssertEqual(transport.linkStatus(peer: "silent", lane: .control)?.queuedMessages, 3)

        XCTAssertEqual(transport.removePeer("silent"), .removed(silentServer.address))
        try await eventually("the half-open connections are closed", timeout: .seconds(5)) {
            silentServer.allClosed
        }
        XCTAssertNil(transport.linkStatus(peer: "silent", lane: .control))
        XCTAssertEqual(transport.send([3], to: "silent", lane: .control), .dropped(.peerRemoved))
        await transport.shutdown()
        try await silentServer.close()
        try await group.shutdownGracefully()
    }
}
