import Broadcast

/// One change the committed log made to the node's catalogue, as the Raft loop publishes it
/// (``NodeEvent/catalogue(_:)``).
public struct CatalogueChange: Sendable {
    /// What changed (`.ignored` only in ``ReadyOutcome``; never published as a ``NodeEvent``).
    public var event: CatalogueEvent
    /// The log index of the entry that made the change.
    public var logIndex: UInt64
    /// The stream after the change; nil once it is removed.
    public var stream: CatalogueStream?
    /// For `.fragmentCommitted`: the fragment's Media record ("RCFG"), a slice of the log entry (not a copy).
    public var fragmentRecord: ArraySlice<UInt8>?

    /// A change.
    public init(event: CatalogueEvent, logIndex: UInt64, stream: CatalogueStream?, fragmentRecord: ArraySlice<UInt8>?) {
        self.event = event
        self.logIndex = logIndex
        self.stream = stream
        self.fragmentRecord = fragmentRecord
    }
}
