extension ClusterStatusProbe {
    /// The leader as the nodes report it: its member id, HTTP address and term.
    public struct Leader: Sendable, Hashable {
        public var id: String
        public var http: HTTPLocation
        public var term: UInt64
    }

    /// Finds the leader through any node of `cluster` (all asked at once, each within `timeout`): a
    /// node that says it is the leader (the highest term wins), else the leader the others name in
    /// their highest term (its `http` address from cluster.yaml, or the `leader_http` it reported).
    /// Nil when no answering node knows a leader. With `secret`, the requests carry the admin token
    /// (needed when `open_reads` is false).
    public static func leader(of cluster: ClusterConfig, timeout: Duration, secret: [UInt8]? = nil) -> Leader? {
        leader(in: probe(cluster, timeout: timeout, secret: secret), cluster: cluster)
    }

    /// The leader named by `results` (see ``leader(of:timeout:secret:)``).
    public static func leader(in results: [Result], cluster: ClusterConfig) -> Leader? {
        leader(in: results, members: cluster.nodes)
    }

    /// The leader named by `results`, its HTTP address from `members` (cluster.yaml's, or the cluster's
    /// directory: ``ClusterDirectory``) when they list it, else the `leader_http` it reported.
    public static func leader(in results: [Result], members: [ClusterConfig.Member]) -> Leader? {
        let reports = results.compactMap { result in result.report.map { (result.member, $0) } }
        if let (member, report) = reports.filter({ $0.1.role == "leader" }).max(by: { $0.1.term < $1.1.term }) {
            return Leader(id: member.id, http: HTTPLocation(host: member.http.host, port: member.http.port, path: "/"),
                          term: report.term)
        }
        guard let (_, report) = reports.filter({ $0.1.leader != nil }).max(by: { $0.1.term < $1.1.term }),
              let id = report.leader
        else { return nil }
        if let member = members.first(where: { $0.id == id }) {
            return Leader(id: id, http: HTTPLocation(host: member.http.host, port: member.http.port, path: "/"),
                          term: report.term)
        }
        guard let http = report.leaderHTTP, let location = HTTPLocation(url: "http://\(http)/") else { return nil }
        return Leader(id: id, http: location, term: report.term)
    }
}
