/// Why the core refused a proposal. The entry was not appended; the caller
/// may retry (elsewhere, later, or with a different change).
public enum ProposalError: Error, Sendable, Hashable {
    /// This node is not the leader; `leader` names the leader when known.
    case notLeader(leader: NodeID?)
    /// The leader holds ``Config/maxUncommittedEntriesSize`` bytes of
    /// uncommitted entries already; retry once some commit.
    case uncommittedSizeExceeded
    /// The leader is handing leadership over; retry at the new leader.
    case leadershipTransferInProgress
    /// A membership change is pending (proposed but not yet applied).
    case confChangePending
    /// The membership change makes no sense against the current membership.
    case invalidConfChange(String)
}
