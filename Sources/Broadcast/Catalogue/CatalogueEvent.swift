/// What applying one log entry did to the catalogue. Every node computes the same event for the same
/// entry at the same log index: it is a pure function of the log.
public enum CatalogueEvent: Sendable, Hashable {
    /// A stream began.
    case streamStarted(StreamID)
    /// Fragment `index` of `stream` was committed by the entry at `logIndex`.
    case fragmentCommitted(stream: StreamID, index: Int, logIndex: UInt64)
    /// The stream ended with `fragmentCount` fragments.
    case streamEnded(stream: StreamID, fragmentCount: Int)
    /// The stream was removed.
    case streamRemoved(StreamID)
    /// Fragment `index` of `stream` broke ``CatalogueLimits``: the stream failed (it keeps its `index`
    /// fragments before it and takes no more).
    case streamFailed(stream: StreamID, index: Int, reason: String)
    /// A queue decision changed the programme, from cluster time `at`.
    case queueChanged(QueueCommand, at: ClusterTime)
    /// The entry changed nothing, for the reason given (duplicates are ignored idempotently).
    case ignored(CatalogueRejection)

    /// Whether the change can move the programme's times (its schedule is then attached to the change).
    public var changesSchedule: Bool {
        switch self {
        case .streamStarted, .streamEnded, .streamRemoved, .streamFailed, .queueChanged: return true
        case .fragmentCommitted, .ignored: return false
        }
    }

    /// Whether the entry changed the catalogue.
    public var changedCatalogue: Bool { if case .ignored = self { false } else { true } }
}
