/// A TCP endpoint: a host name or IP literal and a port.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP literal (IPv6 without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int

    /// The endpoint `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with IPv6 literals in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
