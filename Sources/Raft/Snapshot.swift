/// Where a snapshot sits in the log, and the membership at that point.
public struct SnapshotMetadata: Sendable, Hashable {
    /// Index of the last entry the snapshot covers.
    public var index: UInt64
    /// Term of that entry.
    public var term: UInt64
    /// Membership as of `index`.
    public var confState: ConfState

    public init(index: UInt64 = 0, term: UInt64 = 0, confState: ConfState = ConfState()) {
        self.index = index
        self.term = term
        self.confState = confState
    }
}

/// The application state up to ``SnapshotMetadata/index``, opaque to Raft.
public struct Snapshot: Sendable, Hashable {
    public var metadata: SnapshotMetadata
    public var data: [UInt8]

    public init(metadata: SnapshotMetadata = SnapshotMetadata(), data: [UInt8] = []) {
        self.metadata = metadata
        self.data = data
    }

    /// True for "no snapshot" (index 0).
    public var isEmpty: Bool { metadata.index == 0 }
}
