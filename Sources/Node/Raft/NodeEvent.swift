/// What the node saw happen, published by the ``RaftLoop`` on its thread after each Ready, in commit
/// order, to every subscriber (``RaftLoop/subscribe(_:)``): playback, clock sync, `/v1/events`.
public enum NodeEvent: Sendable {
    /// The leader (its member id; nil when none is known) or the term changed.
    case leaderChanged(leader: String?, term: UInt64, isSelf: Bool)
    /// A committed entry changed the catalogue.
    case catalogue(CatalogueChange)
}
