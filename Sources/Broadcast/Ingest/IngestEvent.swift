/// Events the leader feeds an `IngestSession`.
public enum IngestEvent: Sendable, Hashable {
    /// A committed entry was applied to the leader's catalogue, with this event; `catalogue` is the state
    /// after it.
    case applied(CatalogueEvent, catalogue: Catalogue)
    /// Raft refused the last proposal at once.
    case proposalRejected(IngestProposalRefusal)
    /// This node is no longer the leader (`leader`: the new one, when known).
    case leadershipLost(leader: UInt64?)
}
