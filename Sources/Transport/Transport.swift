import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Moves opaque byte payloads between the named nodes of a cluster over TCP.
///
/// - Every peer is reached over two lanes (``Lane``), each its own outbound
///   TCP connection, so control messages never wait behind bulk data.
///   Connections are one-way: a node writes on the connections it dialed and
///   reads on the ones it accepted (2 lanes × 2 directions = 4 per pair).
/// - Every connection starts with a mutual HMAC challenge–response
///   (``Handshake``); refused peers are logged and nothing they sent is delivered.
/// - Frames are length-prefixed and versioned (``Frame``) with a maximum size.
/// - Outbound queues are bounded per peer and lane; sends to an unreachable
///   peer are dropped and counted (``SendResult``, ``LinkStatus``).
/// - Lost connections are redialed with exponential backoff and jitter (``BackoffPolicy``).
/// - Accepted connections that have not completed the handshake are capped per address and in total
///   (``TransportConfig/maxPreAuthConnections``, ``ConnectionGate``); over the cap they are closed on accept.
///
/// Knows nothing of Raft: payloads are bytes.
public final class Transport: Sendable {
    private struct State {
        var serverChannel: Channel?
        var accepted: [ObjectIdentifier: Channel] = [:]
        var running = false
        var dialing = false
        var stopped = false
    }

    /// The configuration this transport runs with.
    public let config: TransportConfig
    private let group: EventLoopGroup
    private let ownsGroup: Bool
    private let links: [String: [Lane: PeerLink]]
    private let lanes: [Lane: InboundLane]
    private let state = NIOLockedValueBox(State())
    private let gate: ConnectionGate
    /// Throttles log lines about unauthenticated connections: refusals on accept and accept errors, and
    /// (separately, so garbage cannot hide the caps at work) refused handshakes.
    private let acceptThrottle = LogThrottle()
    private let handshakeThrottle = LogThrottle()

    /// A transport for `config`. It runs on `group` when given (and does not
    /// shut it down), or on a group of its own with `threads` threads.
    public init(config: TransportConfig, group: EventLoopGroup? = nil, threads: Int = 2) {
        self.config = config
        if let group {
            self.group = group
            ownsGroup = false
        } else {
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
            ownsGroup = true
        }
        // Control links share the first loop; bulk links take the others in turn (all on the one
        // loop of a single-threaded group), so bulk writes never occupy the control links' thread.
        let loops = Array(self.group.makeIterator())
        let controlLoop = loops[0]
        let bulkLoops = loops.count > 1 ? Array(loops.dropFirst()) : loops
        var links: [String: [Lane: PeerLink]] = [:]
        for (index, (peer, address)) in config.peers.sorted(by: { $0.key < $1.key }).enumerated()
        where peer != config.localID {
            links[peer, default: [:]][.control] = PeerLink(peer: peer, lane: .control, address: address,
                                                           eventLoop: controlLoop, config: config)
            links[peer, default: [:]][.bulk] = PeerLink(peer: peer, lane: .bulk, address: address,
                                                        eventLoop: bulkLoops[index % bulkLoops.count], config: config)
        }
        self.links = links
        var lanes: [Lane: InboundLane] = [:]
        for lane in Lane.allCases { lanes[lane] = InboundLane(highWatermark: config.inboundHighWatermark(for: lane)) }
        self.lanes = lanes
        gate = ConnectionGate(maxTotal: config.maxPreAuthConnections, maxPerSource: config.maxPreAuthConnectionsPerSource)
    }

    /// Binds the listening socket (if ``listen()`` has not) and starts dialing every peer.
    public func start() async throws {
        try await listen()
        let firstStart = state.withLockedValue { s in
            defer { s.dialing = true }
            return !s.dialing && !s.stopped
        }
        guard firstStart else { return }
        for peerLinks in links.values {
            for link in peerLinks.values { link.start() }
        }
    }

    /// Binds the listening socket and accepts peers, without dialing yet.
    /// Idempotent. Tests use it to learn ephemeral ports before ``start()``.
    public func listen() async throws {
        let alreadyListening = state.withLockedValue { s in
            defer { s.running = true }
            return s.running || s.stopped
        }
        guard !alreadyListening else { return }
        let config = self.config
        let lanes = self.lanes
        let knownPeers = Set(links.keys)
        let secret = config.secretKey
        let gate = self.gate
        let acceptThrottle = self.acceptThrottle
        let handshakeThrottle = self.handshakeThrottle
        let bootstrap = ServerBootstrap(group: group)
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
                            gate: gate, what: "unauthenticated connections", logger: config.logger, throttle: acceptThrottle),
                        AcceptBackoffHandler(shouldForwardIOErrorCaught: false) { _ in .milliseconds(250) })
                }
            }
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            // Bulk frames are megabytes: read up to 1 MiB per syscall rather than NIO's default 64 KiB.
            .childChannelOption(ChannelOptions.recvAllocator,
                                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 1 << 20))
            .childChannelInitializer { [state] channel in
                let registered = state.withLockedValue { s in
                    guard !s.stopped else { return false }
                    s.accepted[ObjectIdentifier(channel)] = channel
                    return true
                }
                guard registered else { return channel.close() }
                channel.closeFuture.whenComplete { _ in
                    _ = state.withLockedValue { $0.accepted.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    let limit = FrameSizeLimit(maxBodySize: Frame.maxHandshakeBodySize)
                    let handshake = ServerHandshake(clusterName: config.clusterName, localID: config.localID,
                                                    knownPeers: knownPeers, secret: secret)
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(FrameDecoder(limit: limit)),
                        ServerConnectionHandler(handshake: handshake, limit: limit, maxFrameSize: config.maxFrameSize,
                                                timeout: config.handshakeTimeout, lanes: lanes, logger: config.logger,
                                                gate: gate, throttle: handshakeThrottle)
                    )
                }
            }
        let server: Channel
        do {
            server = try await bootstrap.bind(host: config.listenAddress.host, port: config.listenAddress.port).get()
        } catch {
            state.withLockedValue { $0.running = false }
            config.logger.error("cannot listen on \(config.listenAddress): \(error)")
            throw error
        }
        state.withLockedValue { $0.serverChannel = server }
        config.logger.info("listening", metadata: ["address": "\(server.localAddress.map { "\($0)" } ?? "?")",
                                                   "node": "\(config.localID)"])
    }

    /// Dials `peer` at `address` from the next attempt on (for example after
    /// the peer moved, or once a test knows an ephemeral port).
    public func setPeerAddress(_ address: PeerAddress, for peer: String) {
        links[peer]?.values.forEach { $0.setAddress(address) }
    }

    /// The address actually bound (useful with port 0), once started.
    public var listeningAddress: PeerAddress? {
        guard let address = state.withLockedValue({ $0.serverChannel?.localAddress }),
              let host = address.ipAddress, let port = address.port else { return nil }
        return PeerAddress(host: host, port: port)
    }

    /// The payloads received on `lane`. Single consumer: the first call gets
    /// the sequence, later calls get nil.
    public func messages(on lane: Lane) -> InboundMessages? {
        lanes[lane]?.takeSequence().map { InboundMessages(producer: $0) }
    }

    /// Queues `payload` for `peer` on `lane`, or drops it (see ``SendResult``).
    /// Never blocks; safe from any thread.
    @discardableResult
    public func send(_ payload: ByteBuffer, to peer: String, lane: Lane) -> SendResult {
        guard let link = links[peer]?[lane] else { return .dropped(.unknownPeer) }
        return link.send(payload)
    }

    /// Convenience for byte arrays (copies them once into a buffer).
    @discardableResult
    public func send(_ payload: [UInt8], to peer: String, lane: Lane) -> SendResult {
        send(ByteBuffer(bytes: payload), to: peer, lane: lane)
    }

    /// State and counters of every lane to every peer, sorted by peer then lane.
    public var linkStatuses: [LinkStatus] {
        links.keys.sorted().flatMap { peer in Lane.allCases.compactMap { links[peer]?[$0]?.status } }
    }

    /// Accepted connections that have not completed the handshake, and how many were refused or evicted.
    public var preAuthCounters: ConnectionGate.Counters { gate.counters }

    /// Peers that have an authenticated inbound connection on `lane`.
    public func inboundPeers(on lane: Lane) -> [String] {
        lanes[lane]?.connectedPeers ?? []
    }

    /// The status of one lane to one peer.
    public func linkStatus(peer: String, lane: Lane) -> LinkStatus? {
        links[peer]?[lane]?.status
    }

    /// Closes every connection, stops dialing, ends the inbound sequences and
    /// (when it owns it) shuts down its event loop group. Idempotent.
    public func shutdown() async {
        let (server, accepted, first) = state.withLockedValue { s in
            defer {
                s.stopped = true
                s.serverChannel = nil
                s.accepted = [:]
            }
            return (s.serverChannel, Array(s.accepted.values), !s.stopped)
        }
        guard first else { return }
        try? await server?.close()
        for channel in accepted { try? await channel.close() }
        for peerLinks in links.values {
            for link in peerLinks.values { try? await link.shutdown().get() }
        }
        for lane in lanes.values { lane.finish() }
        if ownsGroup { try? await group.shutdownGracefully() }
        config.logger.info("transport stopped", metadata: ["node": "\(config.localID)"])
    }
}
