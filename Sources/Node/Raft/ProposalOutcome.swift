/// How a proposal made through ``RaftLoop/propose(_:timeout:)`` ended.
public enum ProposalOutcome: Sendable, Hashable {
    /// Committed and applied on this (leader) node at `index` in `term`.
    case applied(index: UInt64, term: UInt64)
    /// This node is not the leader; `leader` is the leader's config id when known.
    case notLeader(leader: String?)
    /// Not applied within the timeout, or leadership was lost before it was.
    case timedOut
    /// Refused by the leader for another reason (e.g. too many uncommitted bytes).
    case refused(String)
}
