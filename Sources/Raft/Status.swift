/// A read-only view of a node's state, for status pages and tests.
public struct Status: Sendable, Hashable {
    public var id: NodeID
    public var term: UInt64
    public var vote: NodeID
    public var commit: UInt64
    public var applied: UInt64
    public var lastIndex: UInt64
    public var role: Role
    /// The known leader, or ``NodeID/none``.
    public var leader: NodeID
    /// Per-member replication progress; filled only on the leader.
    public var progress: [NodeID: PeerProgress]
    /// The target of a leadership transfer in progress, or ``NodeID/none``.
    public var leadTransferee: NodeID
    /// The membership in force (changes take effect when applied).
    public var confState: ConfState
    /// Set while the node recovers from a log loss (it neither votes nor campaigns).
    public var logLoss: LogLoss?

    public init(
        id: NodeID, term: UInt64, vote: NodeID, commit: UInt64, applied: UInt64, lastIndex: UInt64,
        role: Role, leader: NodeID, progress: [NodeID: PeerProgress], leadTransferee: NodeID,
        confState: ConfState, logLoss: LogLoss? = nil
    ) {
        self.id = id
        self.term = term
        self.vote = vote
        self.commit = commit
        self.applied = applied
        self.lastIndex = lastIndex
        self.role = role
        self.leader = leader
        self.progress = progress
        self.leadTransferee = leadTransferee
        self.confState = confState
        self.logLoss = logLoss
    }
}
