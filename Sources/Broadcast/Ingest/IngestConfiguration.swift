/// How a leader ingests a stream.
public struct IngestConfiguration: Sendable, Hashable {
    /// At most this many bytes of the session's proposals are uncommitted at once (a single fragment larger
    /// than this is proposed alone). Keep it at or below Raft's `maxUncommittedEntriesSize`.
    public var maxUncommittedBytes: Int
    /// The stream's first sample is heard this long after the cluster time at which its start is proposed
    /// (`playout_delay_ms`).
    public var playoutDelay: Duration
    /// Paced (live) ingest: a fragment is proposed no earlier than `lead` before its playout time. Nil for
    /// fast ingest (as fast as the budget allows).
    public var lead: Duration?

    /// Creates a configuration.
    public init(maxUncommittedBytes: Int = 4 << 20, playoutDelay: Duration = .milliseconds(500), lead: Duration? = nil) {
        self.maxUncommittedBytes = maxUncommittedBytes
        self.playoutDelay = playoutDelay
        self.lead = lead
    }
}
