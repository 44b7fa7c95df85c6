/// What an `IngestSession` asks the leader to do next.
public enum IngestAction: Sendable, Hashable {
    /// Propose `payload` (an encoded `CatalogueEntry`) to Raft now, then report a synchronous refusal with
    /// `IngestEvent.proposalRejected` before asking for the next action.
    case propose(payload: [UInt8], IngestProposal)
    /// Nothing to do until the cluster time given, or (nil) until the next event.
    case wait(until: ClusterTime?)
    /// Every fragment and the stream's end are committed.
    case done
    /// The session stopped; the client resumes with a new session on the (new) leader.
    case failed(IngestFailure)
}
