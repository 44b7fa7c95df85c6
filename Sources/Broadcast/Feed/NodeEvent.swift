/// What a node saw happen, published by its Raft loop after each Ready, in commit order, to every
/// subscriber (``NodeEventSource/subscribe(_:)``): playback (``PlaybackFeed``), clock sync, `/v1/events`.
public enum NodeEvent: Sendable {
    /// The leader (its member id; nil when none is known) or the term changed.
    case leaderChanged(leader: String?, term: UInt64, isSelf: Bool)
    /// A committed entry changed the catalogue.
    case catalogue(CatalogueChange)
}
