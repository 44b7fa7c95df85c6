import RaftcastClient

/// One benchmark worker's persistent connections, one per cluster member, opened on first use and kept
/// for the whole run (as a real client keeps its connection), so a run measures commits, not TCP setup.
final class BenchConnections {
    private let connections: [HTTPKeepAliveConnection]

    init(endpoints: [(host: String, port: Int)]) {
        connections = endpoints.map { HTTPKeepAliveConnection(host: $0.host, port: $0.port) }
    }

    subscript(index: Int) -> HTTPKeepAliveConnection { connections[index] }

    /// TCP connections opened so far, over all members (one per member used when every connection was kept).
    var connects: Int { connections.reduce(0) { $0 + $1.connects } }
}
