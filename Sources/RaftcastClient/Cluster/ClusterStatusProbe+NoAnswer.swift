extension ClusterStatusProbe {
    /// The one wording of "nobody answered" shared by the clients (`raftcast status`, `ingest`,
    /// ``AdminClient``): `no node answered (3 tried): n1 (127.0.0.1:8100): cannot connect …; also tried n2
    /// (127.0.0.1:8101), n3 (127.0.0.1:8102)`, naming the first node tried with why it did not answer, then
    /// every other node tried.
    public static func noNodeAnswered(tried: [(member: ClusterConfig.Member, error: String)]) -> String {
        let first = tried.first.map { ": \($0.member.id) (\($0.member.http)): \($0.error)" } ?? ""
        let others = tried.dropFirst().map { "\($0.member.id) (\($0.member.http))" }
        let also = others.isEmpty ? "" : "; also tried " + others.joined(separator: ", ")
        return "no node answered (\(tried.count) tried)\(first)\(also)"
    }
}
