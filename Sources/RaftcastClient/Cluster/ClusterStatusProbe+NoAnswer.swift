extension ClusterStatusProbe {
    /// The one wording of "nobody answered" shared by the clients (`raftcast ingest`, ``AdminClient``):
    /// `no node answered (3 tried): n1 (127.0.0.1:8100): cannot connect …`, naming the first node tried
    /// and why it did not answer.
    public static func noNodeAnswered(tried: [(member: ClusterConfig.Member, error: String)]) -> String {
        let first = tried.first.map { ": \($0.member.id) (\($0.member.http)): \($0.error)" } ?? ""
        return "no node answered (\(tried.count) tried)\(first)"
    }
}
