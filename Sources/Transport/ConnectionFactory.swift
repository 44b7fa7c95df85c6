import Logging
import NIOCore
import NIOPosix

/// The one place that knows how a TCP channel becomes an authenticated raftcast connection, for both
/// ends: the bootstraps (``makeDialer(on:)`` for the links that dial, ``makeListener(group:)`` for the
/// listener) and, in ``initialize(_:as:)``, the connection's socket options and its pipeline. The
/// only difference between the roles is the handler at the end of the pipeline:
///
/// ```
///            (TLS would go here)   frame decoding                 handshake, then payloads
/// dialing:   ─────────────────▶    FrameDecoder (1 KiB limit) ─▶  ClientConnectionHandler → its PeerLink
/// accepting: ─────────────────▶    FrameDecoder (1 KiB limit) ─▶  ServerConnectionHandler → InboundLane
///                                  (raised to maxFrameSize once the peer is authenticated)
/// ```
///
/// Socket options, on every connection of both roles: `TCP_NODELAY` (NIO's bootstraps set it as well),
/// `SO_KEEPALIVE`, and reads of up to
/// 1 MiB per syscall (bulk frames are megabytes; a dialed connection only reads handshake frames, so
/// for it this changes nothing). The listener: `SO_REUSEADDR`, a backlog of
/// ``TransportConfig/acceptBacklog``, 16 accepts per wake-up, and the pre-authentication caps
/// (``ConnectionGateAcceptHandler``) followed by NIO's `AcceptBackoffHandler`.
///
/// **TLS** slots in here and nowhere else: ``initialize(_:as:)`` would add a `NIOSSLHandler` first in
/// the pipeline, before the frame decoder, for both roles (a client context when dialing, a server
/// context when accepting, both verifying the other end's certificate). Framing, the HMAC handshake,
/// the pre-authentication caps and the lanes would then run unchanged inside the encrypted stream.
struct ConnectionFactory: Sendable {
    /// Which end of the connection this node is.
    enum Role {
        /// This node dialed the peer of `link` for `link`'s lane: it sends the hello and, once
        /// authenticated, writes the link's payloads.
        case dialing(PeerLink)
        /// A node dialed this one: it must prove itself before anything it sends is delivered, and
        /// counts against the listener's ``ConnectionGate`` until then. `standing` answers from the
        /// transport's current ``PeerTable`` whether the node that says hello is a peer.
        case accepting(standing: @Sendable (String) -> PeerTable.Standing)
    }

    let config: TransportConfig
    /// Where accepted connections deliver, by lane.
    let lanes: [Lane: InboundLane]
    /// The listener's cap on connections that have not completed the handshake.
    let gate: ConnectionGate
    /// Throttles log lines about connections refused or failing on accept.
    let acceptThrottle: LogThrottle
    /// Throttles log lines about refused handshakes (separately, so garbage cannot hide the caps at work).
    let handshakeThrottle: LogThrottle
    /// Told when an outbound link loses its connection (``Transport/onLinkLost(_:)``).
    var linkLoss = LinkLossNotifier()
    /// Who hears that a peer refused this node with a reason (``Transport/onRefusedByPeer(_:)``).
    let peerRefusals = PeerRefusalNotifier()
    /// Stamps payloads where they meet the socket (``Transport/setPayloadStamper(_:)``).
    let stamping = PayloadStamping()

    /// A bootstrap that dials on `eventLoop`; the TCP connect must succeed within the handshake timeout.
    /// The caller's channel initializer calls ``initialize(_:as:)`` with ``Role/dialing(_:)``.
    func makeDialer(on eventLoop: any EventLoop) -> ClientBootstrap {
        ClientBootstrap(group: eventLoop).connectTimeout(TimeAmount(config.handshakeTimeout))
    }

    /// A bootstrap that listens on `group`, with the listener's options and accept handlers. The
    /// caller's child channel initializer calls ``initialize(_:as:)`` with ``Role/accepting(standing:)``.
    func makeListener(group: any EventLoopGroup) -> ServerBootstrap {
        let gate = self.gate
        let logger = config.logger
        let acceptThrottle = self.acceptThrottle
        return ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: Int32(clamping: config.acceptBacklog))
            // Accept up to 16 connections per wake-up (NIO's default is 4), so a flood is drained quickly.
            .serverChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // NIO's classic bind (unlike its async one) adds no AcceptBackoffHandler: without one, an
                    // accept failing with EMFILE would be retried at once, forever, at 100 % CPU.
                    try channel.pipeline.syncOperations.addHandlers(
                        ConnectionGateAcceptHandler(
                            gate: gate, what: "unauthenticated connections", logger: logger, throttle: acceptThrottle),
                        AcceptBackoffHandler(shouldForwardIOErrorCaught: false) { _ in .milliseconds(250) })
                }
            }
    }

    /// Sets `channel`'s socket options and builds its pipeline for `role` (see the type's description).
    /// Runs on the channel's event loop, in a bootstrap's channel initializer.
    func initialize(_ channel: any Channel, as role: Role) throws {
        if let options = channel.syncOptions {
            try options.setOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            try options.setOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            try options.setOption(ChannelOptions.recvAllocator,
                                  value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 1 << 20))
        }
        // A TLS handler would be added here, first, for both roles.
        let limit = FrameSizeLimit(maxBodySize: Frame.maxHandshakeBodySize)
        let decoder = ByteToMessageHandler(FrameDecoder(limit: limit))
        switch role {
        case .dialing(let link):
            let hello = ClientHello(lane: link.lane, nonce: Handshake.makeNonce(), clusterName: config.clusterName,
                                    from: config.localID, to: link.peer)
            try channel.pipeline.syncOperations.addHandlers(
                decoder,
                ClientConnectionHandler(handshake: ClientHandshake(hello: hello, secret: config.secretKey),
                                        timeout: config.handshakeTimeout, link: link))
        case .accepting(let standing):
            let handshake = ServerHandshake(clusterName: config.clusterName, localID: config.localID,
                                            secret: config.secretKey, standing: standing)
            try channel.pipeline.syncOperations.addHandlers(
                decoder,
                ServerConnectionHandler(handshake: handshake, limit: limit, maxFrameSize: config.maxFrameSize,
                                        timeout: config.handshakeTimeout, lanes: lanes, logger: config.logger,
                                        gate: gate, throttle: handshakeThrottle, stamping: stamping))
        }
    }
}
