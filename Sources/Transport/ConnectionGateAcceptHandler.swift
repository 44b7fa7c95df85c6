import Logging
import NIOCore

/// A listener's handler, placed before NIO's accept handler: every accepted connection passes a
/// ``ConnectionGate`` before NIO registers it; a refused one is closed at once, before a byte is read
/// or a buffer allocated for it, and the one evicted for an admitted one is closed by the gate. Accept
/// errors (EMFILE, ENFILE, ENOBUFS, …) are logged; an `AcceptBackoffHandler` after this one pauses
/// accepting for a moment instead of retrying at once. Every line is throttled (``LogThrottle``).
public final class ConnectionGateAcceptHandler: ChannelInboundHandler {
    public typealias InboundIn = Channel
    public typealias InboundOut = Channel

    private let gate: ConnectionGate
    private let logger: Logger
    private let throttle: LogThrottle
    private let what: String

    /// A handler admitting through `gate`; `what` names the connections in log lines
    /// (e.g. "unauthenticated connections", "HTTP connections").
    public init(gate: ConnectionGate, what: String, logger: Logger, throttle: LogThrottle) {
        self.gate = gate
        self.what = what
        self.logger = logger
        self.throttle = throttle
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        switch gate.admit(child) {
        case .admitted:
            context.fireChannelRead(data)
        case .admittedEvicting:
            if let suppressed = throttle.permit() {
                logger.notice(Logger.Message(stringLiteral: LogThrottle.message(
                    "\(what) at their cap; closed the longest-waiting one of the busiest address", suppressed: suppressed)),
                    metadata: ["remote": "\(child.remoteAddress.map { "\($0)" } ?? "?")"])
            }
            context.fireChannelRead(data)
        case .refused(let refusal):
            child.close(promise: nil)
            if let suppressed = throttle.permit() {
                logger.warning(Logger.Message(stringLiteral: LogThrottle.message(
                    "refused connection on accept: \(refusal) (\(what))", suppressed: suppressed)),
                    metadata: ["remote": "\(child.remoteAddress.map { "\($0)" } ?? "?")"])
            }
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let suppressed = throttle.permit() {
            logger.error(Logger.Message(stringLiteral: LogThrottle.message(
                "accepting a connection failed (pausing accepts briefly): \(error)", suppressed: suppressed)))
        }
        context.fireErrorCaught(error)
    }
}
