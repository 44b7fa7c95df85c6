/// Why Raft refused a proposal synchronously.
public enum IngestProposalRefusal: Sendable, Hashable {
    /// This node is not the leader (`leader`: the one it knows).
    case notLeader(leader: UInt64?)
    /// The leader is busy (uncommitted-size limit, leadership transfer): retry the same proposal later.
    case busy
}
