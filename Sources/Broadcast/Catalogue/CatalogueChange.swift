import Media

/// What applying one committed log entry did to the catalogue (``Catalogue/applyChange(payload:at:term:)``),
/// as the node publishes it (``NodeEvent/catalogue(_:)``) to playback, the event stream and ingest.
///
/// For a committed fragment it carries the ``Fragment`` the catalogue decoded to validate the record: the
/// playback engine plays that very value, so a committed fragment is decoded once per node. It lives as
/// long as the change does (until every subscriber has handed it on), as the record slice it replaces did;
/// the engine then holds the same packet buffers, not a copy.
public struct CatalogueChange: Sendable {
    /// What changed (`.ignored` only in the node's Ready outcome; never published as a ``NodeEvent``).
    public var event: CatalogueEvent
    /// The log index of the entry that made the change.
    public var logIndex: UInt64
    /// The stream after the change; nil once it is removed (and for `.ignored`).
    public var stream: CatalogueStream?
    /// For `.fragmentCommitted`: the committed fragment, as the catalogue decoded it.
    public var fragment: Fragment?
    /// The programme's schedule after a change that can move its times (``CatalogueEvent/changesSchedule``).
    public var schedule: [ScheduledItem]?

    /// A change.
    public init(
        event: CatalogueEvent, logIndex: UInt64, stream: CatalogueStream? = nil, fragment: Fragment? = nil,
        schedule: [ScheduledItem]? = nil
    ) {
        self.event = event
        self.logIndex = logIndex
        self.stream = stream
        self.fragment = fragment
        self.schedule = schedule
    }
}
