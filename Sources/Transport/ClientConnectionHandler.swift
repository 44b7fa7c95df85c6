import NIOCore

/// Drives a dialed connection: sends the hello, answers the challenge under a
/// time bound, and tells its ``PeerLink`` once when the connection is
/// established and once when it ends (with the refusal reason, if any).
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private var handshake: ClientHandshake
    private let timeout: Duration
    private let link: PeerLink
    private var established = false
    private var ended = false
    private var timeoutTask: Scheduled<Void>?

    init(handshake: ClientHandshake, timeout: Duration, link: PeerLink) {
        self.handshake = handshake
        self.timeout = timeout
        self.link = link
    }

    func channelActive(context: ChannelHandlerContext) {
        let hello = handshake.helloFrame.encoded(allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(hello), promise: nil)
        let contextBox = NIOLoopBound(context, eventLoop: context.eventLoop)
        timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            if !established { end(context: contextBox.value, .refused(.timedOut)) }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(context: context, established ? .closed : .closedDuringHandshake)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ended else { return }
        let frame = unwrapInboundIn(data)
        guard !established else {
            end(context: context, .protocolError("unexpected \(frame.kind) frame from server"))
            return
        }
        switch handshake.receive(frame) {
        case .send(let reply):
            context.writeAndFlush(wrapOutboundOut(reply.encoded(allocator: context.channel.allocator)), promise: nil)
        case .established:
            established = true
            timeoutTask?.cancel()
            link.connectionEstablished(context.channel)
        case .refuse(let reason):
            end(context: context, .refused(reason))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(context: context, .protocolError("\(error)"))
    }

    private func end(context: ChannelHandlerContext, _ reason: PeerLink.EndReason) {
        guard !ended else { return }
        ended = true
        timeoutTask?.cancel()
        link.connectionEnded(context.channel, reason: reason)
        context.close(promise: nil)
    }
}
