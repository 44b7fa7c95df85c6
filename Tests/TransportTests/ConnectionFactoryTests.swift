import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport
import XCTest

@testable import Transport

/// The two roles of ``ConnectionFactory`` on real loopback sockets: a channel dialed through one node's
/// factory and accepted through another's gets the same socket options on both ends and completes the
/// handshake, and the payloads it carries are delivered.
final class ConnectionFactoryTests: XCTestCase {
    func testDialedAndAcceptedEndsGetTheSameOptionsAndAuthenticate() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let lanes: [Lane: InboundLane] = [.control: InboundLane(highWatermark: 8), .bulk: InboundLane(highWatermark: 8)]
        let inbox = Collector(InboundMessages(producer: lanes[.bulk]!.takeSequence()!))
        let accepting = ConnectionFactory.forTests(localID: "b", peers: ["a": PeerAddress(host: "127.0.0.1", port: 1)],
                                                   lanes: lanes)
        let accepted = NIOLockedValueBox<[any Channel]>([])
        let server = try await accepting.makeListener(group: group)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0.append(channel) }
                return channel.eventLoop.makeCompletedFuture { try accepting.initialize(channel, as: .accepting(accepting)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let address = PeerAddress(host: "127.0.0.1", port: try XCTUnwrap(server.localAddress?.port))

        let dialing = ConnectionFactory.forTests(localID: "a", peers: ["b": address])
        let loop = group.next()
        let link = PeerLink(peer: "b", lane: .bulk, address: address, eventLoop: loop, factory: dialing)
        let dialed = try await dialing.makeDialer(on: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try dialing.initialize(channel, as: .dialing(link)) }
            }
            .connect(host: address.host, port: address.port).get()

        try await eventually("the dialed link is authenticated") { link.status.state == .connected }
        try await eventually("the accepting side registered the peer") { lanes[.bulk]!.connectedPeers == ["a"] }
        let acceptedChannel = try XCTUnwrap(accepted.withLockedValue { $0.first })
        // (TCP_NODELAY is NIO's default too; SO_KEEPALIVE is only there because the factory sets it.)
        for (role, channel) in [("dialed", dialed), ("accepted", acceptedChannel)] {
            let noDelay = try await channel.getOption(ChannelOptions.tcpOption(.tcp_nodelay))
            let keepAlive = try await channel.getOption(ChannelOptions.socketOption(.so_keepalive))
            XCTAssertNotEqual(noDelay, 0, "\(role): TCP_NODELAY")
            XCTAssertNotEqual(keepAlive, 0, "\(role): SO_KEEPALIVE")
        }
        XCTAssertEqual(accepting.gate.counters.open, 0, "authenticated: no longer counted as pre-authentication")

        XCTAssertEqual(link.send(ByteBuffer(bytes: [1, 2, 3])), .queued)
        try await eventually("the payload is delivered on the bulk lane") { inbox.payloads(from: "a") == [[1, 2, 3]] }
        XCTAssertEqual(inbox.received.first?.lane, .bulk)

        try await link.shutdown().get()
        try await server.close()
        try await eventually("the accepted end closes") { !acceptedChannel.isActive }
        try await group.shutdownGracefully()
    }
}
