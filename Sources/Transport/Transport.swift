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
/// - Both ends of every connection are set up by one ``ConnectionFactory`` (where TLS would slot in).
/// - The peers are a ``PeerTable`` that changes while running (``addPeer(_:at:)``, ``removePeer(_:)``,
///   ``setPeerAddress(_:for:)``); the handshake asks the current table.
///
/// Knows nothing of Raft: payloads are bytes.
public final class Transport: Sendable {
    private struct State {
        var serverChannel: (any Channel)?
        var accepted: [ObjectIdentifier: any Channel] = [:]
        var running = false
        var dialing = false
        var stopped = false
        /// The peers now, and the outbound links of each (none once stopped).
        var peers: PeerTable
        var links: [String: [Lane: PeerLink]] = [:]
        /// Bulk links are spread over `bulkLoops` in turn; the next one goes to this index.
        var nextBulkLoop = 0
    }

    /// The configuration this transport runs with (its ``TransportConfig/peers`` are the initial ones;
    /// ``peers`` tells the current ones).
    public let config: TransportConfig
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let controlLoop: any EventLoop
    private let bulkLoops: [any EventLoop]
    private let lanes: [Lane: InboundLane]
    private let state: NIOLockedValueBox<State>
    private let gate: ConnectionGate
    private let factory: ConnectionFactory

    /// A transport for `config`. It runs on `group` when given (and does not
    /// shut it down), or on a group of its own with `threads` threads.
    public init(config: TransportConfig, group: (any EventLoopGroup)? = nil, threads: Int = 2) {
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
        controlLoop = loops[0]
        bulkLoops = loops.count > 1 ? Array(loops.dropFirst()) : loops
        var lanes: [Lane: InboundLane] = [:]
        for lane in Lane.allCases { lanes[lane] = InboundLane(highWatermark: config.inboundHighWatermark(for: lane)) }
        self.lanes = lanes
        let gate = ConnectionGate(maxTotal: config.maxPreAuthConnections, maxPerSource: config.maxPreAuthConnectionsPerSource)
        self.gate = gate
        let state = NIOLockedValueBox(State(peers: PeerTable(localID: config.localID, peers: config.peers)))
        self.state = state
        factory = ConnectionFactory(config: config, lanes: lanes, gate: gate,
                                    acceptThrottle: LogThrottle(), handshakeThrottle: LogThrottle())
        state.withLockedValue { s in
            for (peer, address) in s.peers.addresses.sorted(by: { $0.key < $1.key }) {
                s.links[peer] = makeLinks(peer, at: address, state: &s)
            }
        }
    }

    /// The control and bulk links of a new peer; the bulk one on the next bulk loop.
    private func makeLinks(_ peer: String, at address: PeerAddress, state s: inout State) -> [Lane: PeerLink] {
        defer { s.nextBulkLoop += 1 }
        return [
            .control: PeerLink(peer: peer, lane: .control, address: address, eventLoop: controlLoop, factory: factory),
            .bulk: PeerLink(peer: peer, lane: .bulk, address: address,
                            eventLoop: bulkLoops[s.nextBulkLoop % bulkLoops.count], factory: factory),
        ]
    }

    /// Sets the stamper called for every payload where it meets the socket (``PayloadStamper``; nil: none).
    public func setPayloadStamper(_ stamper: (any PayloadStamper)?) {
        factory.stamping.set(stamper)
    }

    /// Calls `handler` (on a transport thread) whenever an outbound link loses its connection or a dial
    /// fails: the peer's process may be gone (its sockets reset, its port refuses). Cheap and idempotent,
    /// please: it is called again on every failed redial. Replaces the previous handler.
    public func onLinkLost(_ handler: (@Sendable (_ peer: String, _ lane: Lane) -> Void)?) {
        factory.linkLoss.set(handler)
    }

    /// Calls `handler` (on a transport thread) whenever a peer that proved the secret refuses this node's
    /// handshake with a reason (``HandshakeRefusal/refusedByPeer(_:)``; `not a member`: this node is not, or
    /// no longer, one of its peers). Called again on every refused redial. Replaces the previous handler.
    public func onRefusedByPeer(_ handler: (@Sendable (_ peer: String, _ reason: String) -> Void)?) {
        factory.peerRefusals.set(handler)
    }

    /// Binds the listening socket (if ``listen()`` has not) and starts dialing every peer.
    public func start() async throws {
        try await listen()
        // Under the lock that ``addPeer(_:at:)`` takes, so each link is started exactly once.
        let toStart: [PeerLink] = state.withLockedValue { s in
            guard !s.dialing && !s.stopped else { return [] }
            s.dialing = true
            return s.links.values.flatMap(\.values)
        }
        for link in toStart { link.start() }
    }

    /// Binds the listening socket and accepts peers, without dialing yet.
    /// Idempotent. Tests use it to learn ephemeral ports before ``start()``.
    public func listen() async throws {
        let alreadyListening = state.withLockedValue { s in
            defer { s.running = true }
            return s.running || s.stopped
        }
        guard !alreadyListening else { return }
        let factory = self.factory
        let bootstrap = factory.makeListener(group: group)
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
                // The hello is checked against the table as it is when the hello arrives.
                let standing: @Sendable (String) -> PeerTable.Standing = { id in
                    state.withLockedValue { $0.peers.standing(of: id) }
                }
                return channel.eventLoop.makeCompletedFuture { try factory.initialize(channel, as: .accepting(standing: standing)) }
            }
        let server: any Channel
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

    /// The peers now.
    public var peers: PeerTable { state.withLockedValue { $0.peers } }

    /// Adds `id` as a peer dialed at `address` (for a peer already there, the same as
    /// ``setPeerAddress(_:for:)``). From now on the handshake accepts it, and, once the transport has
    /// started, it is dialed on both lanes. Refused for this node's own id and for ids the handshake
    /// cannot carry.
    @discardableResult
    public func addPeer(_ id: String, at address: PeerAddress) throws(PeerTable.Refusal) -> PeerTable.Change {
        let outcome: Result<(PeerTable.Change, toStart: [PeerLink], links: [PeerLink]), PeerTable.Refusal>
        outcome = state.withLockedValue { s in
            let change: PeerTable.Change
            do throws(PeerTable.Refusal) {
                change = try s.peers.add(id, at: address)
            } catch {
                return .failure(error)
            }
            var toStart: [PeerLink] = []
            if change == .added, !s.stopped {
                let links = makeLinks(id, at: address, state: &s)
                s.links[id] = links
                // Under the lock that ``start()`` takes, so each link is started exactly once.
                if s.dialing { toStart = Array(links.values) }
            }
            return .success((change, toStart, s.links[id].map { Array($0.values) } ?? []))
        }
        let (change, toStart, links) = try outcome.get()
        switch change {
        case .added:
            config.logger.info("peer added", metadata: ["peer": "\(id)", "address": "\(address)"])
            for link in toStart { link.start() }
        case .moved:
            for link in links { link.setAddress(address) }
        default:
            break
        }
        return change
    }

    /// Removes peer `id`: it is no longer dialed, its queued outbound messages are dropped, its
    /// connections (both directions, both lanes) are closed, and a handshake from it is refused
    /// (``HandshakeRefusal/removedNode(_:)``); sends to it return ``DropReason/peerRemoved``. Messages
    /// it sent that were already received stay in the inbound sequences. Returns at once; the
    /// connections close on their event loops.
    @discardableResult
    public func removePeer(_ id: String) -> PeerTable.Change {
        let (change, links) = state.withLockedValue { s in
            (s.peers.remove(id), s.links.removeValue(forKey: id).map { Array($0.values) } ?? [])
        }
        guard case .removed(let address) = change else { return change }
        for link in links { _ = link.shutdown(dropping: .peerRemoved) }
        // After the table changed: a handshake completing from now on sees the peer gone, and one that
        // completed before is registered in its lane (see ServerConnectionHandler) and closed here.
        var closed = 0
        for lane in lanes.values {
            if let channel = lane.removeConnection(of: id) {
                channel.close(promise: nil)
                closed += 1
            }
        }
        config.logger.info("peer removed", metadata: ["peer": "\(id)", "address": "\(address)",
                                                      "inbound_closed": "\(closed)"])
        return change
    }

    /// Dials `peer` at `address` from the next attempt on (for example after
    /// the peer moved, or once a test knows an ephemeral port). Nothing for an id that is not a peer.
    @discardableResult
    public func setPeerAddress(_ address: PeerAddress, for peer: String) -> PeerTable.Change {
        let (change, links) = state.withLockedValue { s in
            (s.peers.setAddress(address, for: peer), s.links[peer].map { Array($0.values) } ?? [])
        }
        if case .moved = change {
            for link in links { link.setAddress(address) }
        }
        return change
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
        send(parts: [payload], to: peer, lane: lane)
    }

    /// Queues one payload made of `parts`, in order (the peer receives their concatenation as one
    /// payload), or drops it (see ``SendResult``). The parts are written as they are, not copied into
    /// one buffer: a part shared by several sends (e.g. entries encoded once for every follower) is
    /// written from the same memory to each peer. Never blocks; safe from any thread.
    @discardableResult
    public func send(parts: [ByteBuffer], to peer: String, lane: Lane) -> SendResult {
        let found: (link: PeerLink?, otherwise: DropReason) = state.withLockedValue { s in
            if let link = s.links[peer]?[lane] { return (link, .notRunning) }
            switch s.peers.standing(of: peer) {
            case .removed: return (nil, .peerRemoved)
            case .peer: return (nil, .notRunning)  // added after shutdown
            case .unknown: return (nil, .unknownPeer)
            }
        }
        guard let link = found.link else { return .dropped(found.otherwise) }
        return link.send(parts: parts)
    }

    /// Convenience for byte arrays (copies them once into a buffer).
    @discardableResult
    public func send(_ payload: [UInt8], to peer: String, lane: Lane) -> SendResult {
        send(ByteBuffer(bytes: payload), to: peer, lane: lane)
    }

    /// State and counters of every lane to every peer, sorted by peer then lane.
    public var linkStatuses: [LinkStatus] {
        let links = state.withLockedValue { $0.links }
        return links.keys.sorted().flatMap { peer in Lane.allCases.compactMap { links[peer]?[$0]?.status } }
    }

    /// Accepted connections that have not completed the handshake, and how many were refused or evicted.
    public var preAuthCounters: ConnectionGate.Counters { gate.counters }

    /// Peers that have an authenticated inbound connection on `lane`.
    public func inboundPeers(on lane: Lane) -> [String] {
        lanes[lane]?.connectedPeers ?? []
    }

    /// The status of one lane to one peer.
    public func linkStatus(peer: String, lane: Lane) -> LinkStatus? {
        state.withLockedValue { $0.links[peer]?[lane] }?.status
    }

    /// Closes every connection, stops dialing, ends the inbound sequences and
    /// (when it owns it) shuts down its event loop group. Idempotent.
    public func shutdown() async {
        let (server, accepted, links, first) = state.withLockedValue { s in
            defer {
                s.stopped = true
                s.serverChannel = nil
                s.accepted = [:]
            }
            return (s.serverChannel, Array(s.accepted.values), s.links.values.flatMap(\.values), !s.stopped)
        }
        guard first else { return }
        try? await server?.close()
        for channel in accepted { try? await channel.close() }
        for link in links { try? await link.shutdown().get() }
        for lane in lanes.values { lane.finish() }
        if ownsGroup { try? await group.shutdownGracefully() }
        config.logger.info("transport stopped", metadata: ["node": "\(config.localID)"])
    }
}
