import Logging
import NIOCore

/// Drives an accepted connection: runs ``ServerHandshake`` under a time
/// bound, then delivers payload frames to the lane's ``InboundLane``.
/// Nothing is delivered before the peer has proven knowledge of the secret.
/// Until then the connection counts against the listener's ``ConnectionGate`` (released once the peer is
/// authenticated), and what it makes us log is throttled (``LogThrottle``): anyone can open connections.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private var handshake: ServerHandshake
    private let limit: FrameSizeLimit
    private let maxFrameSize: Int
    private let timeout: Duration
    private let lanes: [Lane: InboundLane]
    private var logger: Logger
    private var peer: (id: String, lane: Lane)?
    private var timeoutTask: Scheduled<Void>?
    private var closing = false
    private let gate: ConnectionGate?
    private let throttle: LogThrottle
    private let stamping: PayloadStamping?

    init(handshake: ServerHandshake, limit: FrameSizeLimit, maxFrameSize: Int, timeout: Duration,
         lanes: [Lane: InboundLane], logger: Logger, gate: ConnectionGate? = nil, throttle: LogThrottle = LogThrottle(),
         stamping: PayloadStamping? = nil) {
        self.handshake = handshake
        self.limit = limit
        self.maxFrameSize = maxFrameSize
        self.timeout = timeout
        self.lanes = lanes
        self.logger = logger
        self.gate = gate
        self.throttle = throttle
        self.stamping = stamping
    }

    func channelActive(context: ChannelHandlerContext) {
        logger[metadataKey: "remote"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        let loop = context.eventLoop.assumeIsolated()
        let contextBox = NIOLoopBound(context, eventLoop: context.eventLoop)
        timeoutTask = loop.scheduleTask(in: TimeAmount(timeout)) { [self] in
            if peer == nil { refuse(context: contextBox.value, .timedOut) }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeoutTask?.cancel()
        if let peer {
            lanes[peer.lane]?.unregister(peer: peer.id, channel: context.channel)
            logger.info("inbound connection closed", metadata: ["peer": "\(peer.id)", "lane": "\(peer.lane)"])
        } else if !closing, let suppressed = throttle.permit() {
            logger.info(Logger.Message(stringLiteral: LogThrottle.message(
                "connection closed before authentication (the client refused us?)", suppressed: suppressed)))
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let frame = unwrapInboundIn(data)
        if let peer {
            guard frame.kind == .payload else {
                logger.warning("protocol error: \(frame.kind) frame after handshake; closing",
                               metadata: ["peer": "\(peer.id)"])
                close(context: context)
                return
            }
            // Stamped here, before the hop to the lane's consumer (``PayloadStamper``).
            let stamp = stamping?.stampIncoming(frame.body, from: peer.id, lane: peer.lane)
            lanes[peer.lane]?.deliver(InboundMessage(from: peer.id, lane: peer.lane, payload: frame.body, stamp: stamp),
                                      from: context.channel)
            return
        }
        switch handshake.receive(frame) {
        case .send(let reply):
            context.writeAndFlush(wrapOutboundOut(reply.encoded(allocator: context.channel.allocator)), promise: nil)
        case .established(let reply, let id, let lane):
            timeoutTask?.cancel()
            gate?.release(context.channel)
            // Registered first, then the peer table read again: a `Transport.removePeer` that ran since the
            // hello either shows here or, having removed the peer from the table after this read, finds
            // this connection registered and closes it. Either way no removed peer stays connected.
            let replaced = lanes[lane]?.register(peer: id, channel: context.channel)
            if case .peer = handshake.standing(id) {} else {
                lanes[lane]?.unregister(peer: id, channel: context.channel)
                replaced?.close(promise: nil)
                refuse(context: context, .removedNode(id))
                return
            }
            peer = (id, lane)
            limit.maxBodySize = maxFrameSize
            context.writeAndFlush(wrapOutboundOut(reply.encoded(allocator: context.channel.allocator)), promise: nil)
            logger.info("accepted authenticated peer", metadata: ["peer": "\(id)", "lane": "\(lane)"])
            if let replaced {
                logger.info("closing the peer's older connection on this lane", metadata: ["peer": "\(id)", "lane": "\(lane)"])
                replaced.close(promise: nil)
            }
        case .refuseNotifying(let reply, let reason):
            // The client proved the secret: tell it why, then close once the refusal is written.
            guard !closing else { return }
            logRefusal(reason)
            closing = true
            timeoutTask?.cancel()
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(reply.encoded(allocator: channel.allocator))).whenComplete { _ in
                channel.close(promise: nil)
            }
        case .refuse(let reason):
            refuse(context: context, reason)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !closing else { return }
        if let peer {
            logger.warning("closing inbound connection: \(error)", metadata: ["peer": "\(peer.id)", "lane": "\(peer.lane)"])
        } else if let suppressed = throttle.permit() {
            logger.warning(Logger.Message(stringLiteral: LogThrottle.message("refused connection: \(error)", suppressed: suppressed)))
        }
        close(context: context)
    }

    private func refuse(context: ChannelHandlerContext, _ reason: HandshakeRefusal) {
        guard !closing else { return }
        logRefusal(reason)
        close(context: context)
    }

    private func logRefusal(_ reason: HandshakeRefusal) {
        if let suppressed = throttle.permit() {
            logger.warning(Logger.Message(stringLiteral: LogThrottle.message("refused connection: \(reason)", suppressed: suppressed)))
        }
    }

    private func close(context: ChannelHandlerContext) {
        closing = true
        timeoutTask?.cancel()
        context.close(promise: nil)
    }
}
