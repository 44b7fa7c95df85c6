/// When the node snapshots its applied state and how much log it keeps behind
/// the snapshot for slow followers.
public struct SnapshotPolicy: Sendable, Hashable {
    /// Snapshot after this many entries were applied since the last snapshot (0: never by count).
    public var entries: UInt64
    /// Snapshot after this many payload bytes were applied since the last snapshot (0: never by size).
    public var bytes: UInt64
    /// Entries kept in the log behind a snapshot, so a follower slightly
    /// behind catches up from the log rather than by snapshot.
    public var keptTail: UInt64

    public init(entries: UInt64 = 10_000, bytes: UInt64 = 256 << 20, keptTail: UInt64 = 1_000) {
        self.entries = entries
        self.bytes = bytes
        self.keptTail = keptTail
    }
}
