import Broadcast

/// Published by RaftLoop on its thread after each Ready, in commit order (contracts.md).
public enum NodeEvent: Sendable {
    /// The leader changed (or this node learned of it): its member id, the term, and whether it is this node.
    case leaderChanged(leader: String?, term: UInt64, isSelf: Bool)
    /// A committed entry changed the catalogue.
    case catalogue(CatalogueChange)
}

/// What one committed entry did to the catalogue (contracts.md).
public struct CatalogueChange: Sendable {
    /// The event (never `.ignored` here).
    public var event: CatalogueEvent
    /// The entry's log index.
    public var logIndex: UInt64
    /// The stream after applying (nil once removed).
    public var stream: CatalogueStream?
    /// For `.fragmentCommitted`: Media's "RCFG" fragment record (`Fragment(decoding:)`).
    public var fragmentRecord: [UInt8]?

    /// A change with every field given.
    public init(event: CatalogueEvent, logIndex: UInt64, stream: CatalogueStream?, fragmentRecord: [UInt8]?) {
        self.event = event
        self.logIndex = logIndex
        self.stream = stream
        self.fragmentRecord = fragmentRecord
    }
}
