extension ClusterConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// Every setting except the secret, which is shown only by its length (so
    /// printing or logging a configuration never leaks it).
    public var description: String {
        let members = nodes.map { "\($0.id)(raft \($0.raft), http \($0.http), audio \($0.audioDevice ?? "none"))" }
        return "ClusterConfig(name: \(name), secret: <\(secret.count) bytes from \(secretFile)>, "
            + "heartbeat_ms: \(heartbeatMilliseconds), election_timeout_ms: \(electionTimeoutMilliseconds), "
            + "fragment_seconds: \(fragmentSeconds), playout_delay_ms: \(playoutDelayMilliseconds), "
            + "nodes: [\(members.joined(separator: ", "))])"
    }

    public var debugDescription: String { description }
}
