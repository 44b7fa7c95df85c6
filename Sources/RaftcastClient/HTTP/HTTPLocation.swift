/// Where an absolute `http://host:port/path?query` URL points, split as ``HTTPFetch`` takes it: what a
/// follower's 307 `Location` names.
public struct HTTPLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The path and query, starting with "/".
    public var path: String

    /// A location from its parts.
    public init(host: String, port: Int, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `http://host[:port][/path]` (port 80 when absent; `[v6]` hosts); nil for anything else
    /// (other schemes, user info, a bad port).
    public init?(url: String) {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var path = String(rest.dropFirst(authority.count))
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        if let address = ClusterConfig.parseAddress(String(authority)) {
            self.init(host: address.host, port: address.port, path: path)
        } else if let plain = ClusterConfig.parseAddress(String(authority) + ":80"), !authority.hasSuffix(":") {
            self.init(host: plain.host, port: plain.port, path: path)
        } else {
            return nil
        }
    }

    /// The URL again, `http://host:port/path`.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "http://\(hostPart):\(port)\(path)"
    }
}
