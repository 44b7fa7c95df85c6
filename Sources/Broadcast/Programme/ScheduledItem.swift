/// A programme item with its place on the cluster timeline, as ``Catalogue/programmeSchedule()`` derives
/// it from the committed log: the same on every node.
public struct ScheduledItem: Sendable {
    /// The item's stream, as the catalogue holds it.
    public var stream: CatalogueStream
    /// The item as the programme holds it.
    public var item: ProgrammeItem
    /// When its first sample is heard; nil while an item before it has no known end (a live stream).
    public var start: ClusterTime?
    /// When its last sample ends (its declared length, or its cut); nil while not known.
    public var end: ClusterTime?
    /// The item's length in programme samples (``Programme/sampleRate``) once known.
    public var lengthSamples: Int64?
    /// Where playback must stop even if the decoder has more (the end of a cut, or the declared end when
    /// another item follows at once: an encoder's padding is not played over the next item); nil: play to
    /// the decoder's end.
    public var playUntil: ClusterTime?
    /// Best guesses of ``start`` and ``end`` for display (planned times), from expected durations where
    /// the exact ones are not known yet.
    public var plannedStart: ClusterTime
    /// See ``plannedStart``.
    public var plannedEnd: ClusterTime

    /// The stream's id.
    public var id: StreamID { stream.id }

    /// Whether the item is being heard at `time` (started, not ended).
    public func isPlaying(at time: ClusterTime) -> Bool {
        guard let start, start <= time else { return false }
        return end.map { time < $0 } ?? true
    }

    /// Whether the item is over at `time`.
    public func isOver(at time: ClusterTime) -> Bool { end.map { $0 <= time } ?? false }
}
