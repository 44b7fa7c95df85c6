/// Recent catalogue snapshots, so the node can give Raft a snapshot whose index lies *below* the catalogue's
/// `retainedLogFloor` and compact the log up to it without losing any fragment bytes the catalogue serves
/// (docs/catalogue.md, "Fragment bytes live in the log").
///
///     history.record(catalogue)                       // every N applied entries
///     if let point = history.compactionPoint(for: catalogue) {
///         _ = try storage.createSnapshot(at: point.index, confState: confState, data: point.data)
///         try storage.compact(upTo: point.index + 1 - tail)   // never past point.index + 1
///     }
///
/// A snapshot taken at index `s` restores the catalogue as of `s`; a node that installs it receives every
/// entry after `s` from the log, so the fragments from the floor on reach it with their bytes. Snapshots
/// hold metadata only (about 50 bytes per fragment), so keeping a few is cheap.
public struct CatalogueSnapshotHistory: Sendable, Hashable {
    /// A catalogue snapshot and the log index it reflects.
    public struct Point: Sendable, Hashable {
        /// The catalogue's applied index when the snapshot was taken.
        public var index: UInt64
        /// `Catalogue.snapshot()` at that index.
        public var data: [UInt8]
    }

    /// How many recent snapshots are kept besides the newest one below the floor.
    public let capacity: Int
    /// The snapshots kept, oldest first.
    public private(set) var points: [Point] = []

    /// An empty history keeping `capacity` (at least 1) recent snapshots.
    public init(capacity: Int = 4) { self.capacity = max(1, capacity) }

    /// Takes a snapshot of `catalogue` at its applied index. Keeps the newest snapshot below the catalogue's
    /// retained floor (the floor never moves back: new fragments come at higher indices), and the
    /// `capacity` most recent ones.
    public mutating func record(_ catalogue: Catalogue) {
        guard catalogue.appliedIndex > (points.last?.index ?? 0) else { return }
        record(index: catalogue.appliedIndex, data: catalogue.snapshot(), retainedLogFloor: catalogue.retainedLogFloor)
    }

    /// Records `data`, a snapshot of a state machine that embeds the catalogue (the node's), taken at log
    /// `index`, while the catalogue's retained floor is `retainedLogFloor`. Same retention as `record(_:)`.
    public mutating func record(index: UInt64, data: [UInt8], retainedLogFloor: UInt64?) {
        guard index > (points.last?.index ?? 0) else { return }
        points.append(Point(index: index, data: data))
        let floor = retainedLogFloor ?? UInt64.max
        let anchor = points.lastIndex { $0.index < floor }
        let recent = max(0, points.count - capacity)
        points = points.enumerated().filter { $0.offset >= recent || $0.offset == anchor }.map(\.element)
    }

    /// The newest snapshot the node may hand to Raft and compact up to (`index + 1`) while `catalogue`
    /// still serves fragments from its `retainedLogFloor`: the newest one below the floor, or the newest
    /// of all when nothing is retained. Nil when none qualifies yet.
    public func compactionPoint(for catalogue: Catalogue) -> Point? {
        guard let floor = catalogue.retainedLogFloor else { return points.last }
        return points.last { $0.index < floor }
    }
}
