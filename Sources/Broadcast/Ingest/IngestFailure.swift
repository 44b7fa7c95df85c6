/// Why an ingest session stopped.
public enum IngestFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// This node stopped leading; `leader` is the new one when known.
    case leadershipLost(leader: UInt64?)
    /// The stream id is in use by a different stream (other source, name or header).
    case streamIDInUse(StreamID)
    /// The stream was removed.
    case streamRemoved(StreamID)
    /// The log refused what the session proposed (a conflicting fragment, a mismatched end…).
    case refused(CatalogueRejection)
    /// The source failed or produced fragments out of sequence.
    case source(String)
    /// The catalogue failed the stream: a committed fragment broke ``CatalogueLimits``.
    case streamFailed(StreamID, reason: String)

    /// One line describing the failure.
    public var description: String {
        switch self {
        case .leadershipLost(let leader):
            return "leadership lost" + (leader.map { "; resume with node \($0)" } ?? "; no leader known")
        case .streamIDInUse(let id): return "stream id \(id) is in use by another stream"
        case .streamRemoved(let id): return "stream \(id) was removed"
        case .refused(let rejection): return "refused by the catalogue: \(rejection)"
        case .source(let reason): return "media source: \(reason)"
        case let .streamFailed(id, reason):
            return "stream \(id) failed: \(reason)"
        }
    }
}
