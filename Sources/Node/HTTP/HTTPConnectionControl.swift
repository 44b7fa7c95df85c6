import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Transport

/// The HTTP API's connection limits (``HTTPConnectionLimits``) as the two pieces Hummingbird takes:
/// a ``serverBuilder`` whose connections get an ``HTTPConnectionGuard`` (timeouts, early answers), and
/// ``installOnListener(_:)``, run once the listener is up, which puts a
/// `ConnectionGateAcceptHandler` and the shared ``Transport/ConnectionGate`` in front of NIO's accept
/// handler, so a connection over the cap is closed before Hummingbird sets anything up for it.
public struct HTTPConnectionControl: Sendable {
    /// The limits enforced.
    public let limits: HTTPConnectionLimits
    let gate: ConnectionGate
    let screen: HTTPRequestScreen
    let streams: HTTPStreamBudget
    let logger: Logger
    /// For the guards' lines (timeouts, early answers).
    let throttle = LogThrottle()
    /// For refusals and evictions on accept.
    let acceptThrottle = LogThrottle()

    /// Limits for `api`'s server; lines are logged to `logger`.
    init(api: NodeHTTPAPI, limits: HTTPConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
        gate = ConnectionGate(maxTotal: limits.maxConnections, maxPerSource: nil)
        screen = HTTPRequestScreen(
            secret: api.secret, maxUploadBytes: api.cluster.maxUploadBytes, debugPropose: api.debugPropose)
        streams = HTTPStreamBudget(limit: limits.maxEventStreams)
    }

    /// HTTP/1 with an ``HTTPConnectionGuard`` on every connection.
    public var serverBuilder: HTTPServerBuilder {
        let control = self
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder, configuration: .init(idleTimeout: TimeAmount(control.limits.idleTimeout))),
                makeGuard: {
                    HTTPConnectionGuard(
                        gate: control.gate, limits: control.limits, screen: control.screen, streams: control.streams,
                        logger: control.logger, throttle: control.throttle)
                })
        }
    }

    /// Puts the connection cap in front of `listener`'s accept handler (Hummingbird's `onServerRunning`).
    @Sendable public func installOnListener(_ listener: any Channel) async {
        let handler = listener.eventLoop.submit { [gate, logger, acceptThrottle] in
            try listener.pipeline.syncOperations.addHandler(
                ConnectionGateAcceptHandler(gate: gate, what: "HTTP connections", logger: logger, throttle: acceptThrottle),
                position: .first)
        }
        do {
            try await handler.get()
        } catch {
            logger.error("cannot install the HTTP connection cap: \(error)")
        }
    }
}
