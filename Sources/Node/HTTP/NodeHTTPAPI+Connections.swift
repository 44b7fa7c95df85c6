import Logging

/// The HTTP server's connection limits (docs/node.md, "Connection limits").
extension NodeHTTPAPI {
    /// The connection control of this API's server: pass its ``HTTPConnectionControl/serverBuilder`` and
    /// ``HTTPConnectionControl/installOnListener(_:)`` to Hummingbird's `Application`.
    public func connectionControl(limits: HTTPConnectionLimits = HTTPConnectionLimits(), logger: Logger) -> HTTPConnectionControl {
        HTTPConnectionControl(api: self, limits: limits, logger: logger)
    }
}
