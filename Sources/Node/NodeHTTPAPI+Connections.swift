import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Transport

/// The HTTP server's connection limits (``HTTPConnectionLimits``, ``HTTPConnectionGuard``).
extension NodeHTTPAPI {
    /// An HTTP/1 server whose connections are capped, timed out while they send no request, and whose
    /// unauthenticated or oversized requests are answered before their body is read.
    public func serverBuilder(limits: HTTPConnectionLimits = HTTPConnectionLimits(), logger: Logger) -> HTTPServerBuilder {
        let gate = ConnectionGate(maxTotal: limits.maxConnections, maxPerSource: nil)
        let throttle = LogThrottle()
        let screen = HTTPRequestScreen(secret: secret, maxUploadBytes: cluster.maxUploadBytes, debugPropose: debugPropose)
        let streams = HTTPStreamBudget(limit: limits.maxEventStreams)
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder, configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout))),
                makeGuard: {
                    HTTPConnectionGuard(
                        gate: gate, limits: limits, screen: screen, streams: streams, logger: logger, throttle: throttle)
                })
        }
    }
}
