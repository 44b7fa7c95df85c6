/// How a leader replicates to one follower (etcd-io/raft's progress states).
public enum ProgressState: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The follower's log position is unknown: one append at a time, to find
    /// where the logs agree.
    case probe = 0
    /// The follower is known to match up to ``PeerProgress/match``: appends are
    /// pipelined, bounded by the inflight limits.
    case replicate = 1
    /// A snapshot is being sent; appends wait for ``RaftNode/reportSnapshot(_:succeeded:)``
    /// or the follower's answer.
    case snapshot = 2

    public var description: String {
        switch self {
        case .probe: "probe"
        case .replicate: "replicate"
        case .snapshot: "snapshot"
        }
    }
}

/// A snapshot of what the leader knows about one member's log.
public struct PeerProgress: Sendable, Hashable {
    /// Highest index known to be replicated on the member.
    public var match: UInt64
    /// Next index the leader will send.
    public var next: UInt64
    /// The replication state.
    public var state: ProgressState
    /// Heard from within the current check-quorum period.
    public var recentActive: Bool
    /// The member is a learner (does not vote or count toward quorum).
    public var isLearner: Bool
    /// Append messages sent and not yet acknowledged.
    public var inflightMessages: Int
    /// Bytes of entries sent and not yet acknowledged.
    public var inflightBytes: UInt64

    public init(
        match: UInt64, next: UInt64, state: ProgressState, recentActive: Bool, isLearner: Bool,
        inflightMessages: Int, inflightBytes: UInt64
    ) {
        self.match = match
        self.next = next
        self.state = state
        self.recentActive = recentActive
        self.isLearner = isLearner
        self.inflightMessages = inflightMessages
        self.inflightBytes = inflightBytes
    }
}
