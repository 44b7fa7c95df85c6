import Foundation
import NIOCore
import NIOPosix
import TestSupport
import XCTest

@testable import Transport

/// The raft port caps connections that have not completed the handshake, per address and in total,
/// and a genuine peer still gets in while the caps are full.
final class PreAuthLimitTests: XCTestCase {
    func testUnauthenticatedConnectionsAreCappedPerAddressAndInTotalWhilePeersStillGetIn() async throws {
        let secret = Array("correct horse battery staple".utf8)
        let log = CapturedLog()
        // A handshake deadline far beyond the test: only the caps can close a silent connection early.
        let server = Transport(config: TransportConfig(
            clusterName: "test", secret: secret, localID: "b", listenAddress: PeerAddress(host: "127.0.0.1", port: 0),
            peers: ["a": PeerAddress(host: "127.0.0.1", port: 1)], handshakeTimeout: .seconds(60),
            maxPreAuthConnections: 6, maxPreAuthConnectionsPerSource: 3, logger: log.logger("transport.b")))
        try await server.listen()  // listens only: b never dials a
        let inbox = Collector(server.messages(on: .control)!)
        let address = try XCTUnwrap(server.listeningAddress)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var clients: [RawClient] = []
        // The genuine peer, started once the caps are full.
        let client = Transport(config: TransportConfig(
            clusterName: "test", secret: secret, localID: "a", listenAddress: PeerAddress(host: "127.0.0.1", port: 0),
            peers: ["b": address], backoff: BackoffPolicy(initial: .milliseconds(20), maximum: .milliseconds(200)),
            logger: CapturedLog().logger("transport.a")))
        addTeardownBlock {
            await client.shutdown()
            await server.shutdown()
            try? await group.shutdownGracefully()
        }

        // Three silent connections from 127.0.0.2 are held; a fourth is closed on accept.
        for _ in 0..<3 { clients.append(try await RawClient.connect(to: address, group: group, source: "127.0.0.2")) }
        try await eventually("3 connections held: \(server.preAuthCounters)", timeout: .seconds(5)) {
            server.preAuthCounters.open == 3
        }
        let overAddressCap = try await RawClient.connect(to: address, group: group, source: "127.0.0.2")
        try await eventually("the fourth connection from one address is closed at once", timeout: .seconds(2)) {
            overAddressCap.isClosed
        }
        XCTAssertEqual(server.preAuthCounters.refused, 1)
        XCTAssertTrue(clients.allSatisfy { !$0.isClosed }, "the three first ones are kept")

        // Three more from 127.0.0.3 fill the total (6); one from 127.0.0.4 then evicts the longest
        // waiter of the busiest addresses (a tie: 127.0.0.2's first).
        for _ in 0..<3 { clients.append(try await RawClient.connect(to: address, group: group, source: "127.0.0.3")) }
        try await eventually("6 connections held: \(server.preAuthCounters)", timeout: .seconds(5)) {
            server.preAuthCounters.open == 6
        }
        clients.append(try await RawClient.connect(to: address, group: group, source: "127.0.0.4"))
        try await eventually("the oldest connection of the busiest address made room", timeout: .seconds(2)) {
            clients[0].isClosed
        }
        XCTAssertEqual(server.preAuthCounters.evicted, 1)
        XCTAssertEqual(server.preAuthCounters.open, 6)
        XCTAssertFalse(clients[6].isClosed)

        // A genuine peer dials (from 127.0.0.1) while the total is full: both its lanes get in,
        // authenticate, stop counting, and its messages arrive.
        try await client.start()
        try await eventually("the peer authenticated on both lanes despite the full cap", timeout: .seconds(10)) {
            Set(server.inboundPeers(on: .control) + server.inboundPeers(on: .bulk)) == ["a"]
                && server.inboundPeers(on: .control).count == 1 && server.inboundPeers(on: .bulk).count == 1
        }
        try await eventually("b receives the peer's message", timeout: .seconds(10)) {
            client.send(Array("hello".utf8), to: "b", lane: .control)
            return inbox.payloads(from: "a").contains(Array("hello".utf8))
        }
        // Every silent connection admitted (3 + 3 + 1) is either still open or was evicted; the peer's
        // connections stopped counting once authenticated. The peer's first lane found the total full
        // and evicted one (its second lane may have been refused once, while its address held as many
        // waiting connections as the busiest, and got in on the redial).
        let counters = server.preAuthCounters
        XCTAssertEqual(counters.open + Int(counters.evicted), 7, "\(counters)")
        XCTAssertGreaterThanOrEqual(counters.evicted, 2, "\(counters)")
        XCTAssertEqual(clients.filter(\.isClosed).count, Int(counters.evicted), "the evicted ones, and only they, were closed")
        XCTAssertTrue(log.contains("refused connection on accept"))
    }
}
