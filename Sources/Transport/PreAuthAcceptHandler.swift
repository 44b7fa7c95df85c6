import Logging
import NIOCore

/// First handler of the raft listener's pipeline: every accepted connection passes ``ConnectionGate``
/// before NIO registers it; a refused one is closed at once, before a byte is read or a buffer
/// allocated for it. Accept errors (EMFILE, ENFILE, ENOBUFS, …) are logged (throttled); the
/// `AcceptBackoffHandler` after this one pauses accepting for a moment instead of retrying at once.
final class PreAuthAcceptHandler: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let gate: ConnectionGate
    private let logger: Logger
    private let throttle: LogThrottle

    init(gate: ConnectionGate, logger: Logger, throttle: LogThrottle) {
        self.gate = gate
        self.logger = logger
        self.throttle = throttle
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        switch gate.admit(child) {
        case .admitted:
            context.fireChannelRead(data)
        case .admittedEvicting:
            if let suppressed = throttle.permit() {
                logger.notice(Logger.Message(stringLiteral: LogThrottle.message(
                    "unauthenticated connections at their cap; closed the oldest of the busiest address",
                    suppressed: suppressed)), metadata: ["remote": "\(child.remoteAddress.map { "\($0)" } ?? "?")"])
            }
            context.fireChannelRead(data)
        case .refused(let refusal):
            child.close(promise: nil)
            if let suppressed = throttle.permit() {
                logger.warning(Logger.Message(stringLiteral: LogThrottle.message(
                    "refused connection on accept: \(refusal) before authentication", suppressed: suppressed)),
                    metadata: ["remote": "\(child.remoteAddress.map { "\($0)" } ?? "?")"])
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let suppressed = throttle.permit() {
            logger.error(Logger.Message(stringLiteral: LogThrottle.message(
                "accepting a connection failed (pausing accepts briefly): \(error)", suppressed: suppressed)))
        }
        context.fireErrorCaught(error)
    }
}
