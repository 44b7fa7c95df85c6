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

/// What a proposal carries.
public enum IngestProposal: Sendable, Hashable {
    /// The stream's start.
    case streamStart
    /// Fragment `index`, `bytes` long (Media record).
    case fragment(index: Int, bytes: Int)
    /// The stream's end after `fragmentCount` fragments.
    case streamEnd(fragmentCount: Int)
}

/// Why an ingest session stopped.
public enum IngestFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// This node stopped leading; `leader` is the new one when known.
    case leadershipLost(leader: UInt64?)
    /// The stream id is in use by a different stream (other source, name or header).
    case streamIDInUse(CatalogueStreamID)
    /// The stream was removed.
    case streamRemoved(CatalogueStreamID)
    /// The log refused what the session proposed (a conflicting fragment, a mismatched end…).
    case refused(CatalogueRejection)
    /// The source failed or produced fragments out of sequence.
    case source(String)

    /// One line describing the failure.
    public var description: String {
        switch self {
        case .leadershipLost(let leader):
            return "leadership lost" + (leader.map { "; resume with node \($0)" } ?? "; no leader known")
        case .streamIDInUse(let id): return "stream id \(id) is in use by another stream"
        case .streamRemoved(let id): return "stream \(id) was removed"
        case .refused(let rejection): return "refused by the catalogue: \(rejection)"
        case .source(let reason): return "media source: \(reason)"
        }
    }
}

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

/// Why Raft refused a proposal synchronously.
public enum IngestProposalRefusal: Sendable, Hashable {
    /// This node is not the leader (`leader`: the one it knows).
    case notLeader(leader: UInt64?)
    /// The leader is busy (uncommitted-size limit, leadership transfer): retry the same proposal later.
    case busy
}
