/// The tail of the log not yet known to be persisted (etcd-io/raft's
/// `unstable`): entries appended by this node or received from the leader,
/// and a snapshot received from the leader. ``RaftNode/ready()`` hands them to
/// the caller, ``RaftNode/advance(_:)`` drops them once stored.
///
/// ```
///   storage: … firstIndex ……… offset-1 | unstable: entries[0] = offset … lastIndex
///                                       ^ offsetInProgress: entries before it were handed out
/// ```
struct UnstableLog {
    /// A snapshot received from the leader, not yet persisted.
    var snapshot: Snapshot?
    /// Entries not yet persisted; `entries[i].index == offset + i`.
    var entries: [Entry] = []
    /// Index of `entries[0]` (or of the next entry when empty).
    var offset: UInt64
    /// Entries with index below this were handed out in a Ready already.
    var offsetInProgress: UInt64
    /// The snapshot was handed out in a Ready already.
    var snapshotInProgress = false

    init(offset: UInt64) {
        self.offset = offset
        self.offsetInProgress = offset
    }

    /// The index of the first entry, when only a snapshot is held.
    var maybeFirstIndex: UInt64? {
        snapshot.map { $0.metadata.index + 1 }
    }

    /// The last index held, if any.
    var maybeLastIndex: UInt64? {
        if let last = entries.last { return last.index }
        return snapshot?.metadata.index
    }

    /// The term at `index`, if this part of the log holds it.
    func maybeTerm(at index: UInt64) -> UInt64? {
        if index < offset {
            if let snapshot, snapshot.metadata.index == index { return snapshot.metadata.term }
            return nil
        }
        guard let last = maybeLastIndex, index <= last else { return nil }
        if index - offset >= UInt64(entries.count) { return nil }
        return entries[Int(index - offset)].term
    }

    /// Entries not yet handed out.
    var entriesToPersist: ArraySlice<Entry> {
        let start = Int(offsetInProgress - offset)
        return start < entries.count ? entries[start...] : []
    }

    /// The snapshot, if not yet handed out.
    var snapshotToPersist: Snapshot? {
        snapshotInProgress ? nil : snapshot
    }

    /// Marks everything held as handed out.
    mutating func acceptInProgress() {
        if let last = entries.last { offsetInProgress = last.index + 1 }
        if snapshot != nil { snapshotInProgress = true }
    }

    /// Entries up to `index` (whose term was `term`) are persisted: drop them,
    /// unless the log changed meanwhile (then the term no longer matches).
    mutating func stableTo(index: UInt64, term: UInt64) {
        guard let t = maybeTerm(at: index), t == term, index >= offset else { return }
        let count = Int(index + 1 - offset)
        entries.removeFirst(count)
        offset = index + 1
        offsetInProgress = max(offsetInProgress, offset)
        if entries.isEmpty { entries = [] }  // release capacity of a drained buffer
    }

    /// The snapshot at `index` is persisted.
    mutating func stableSnapshotTo(index: UInt64) {
        if let snapshot, snapshot.metadata.index == index {
            self.snapshot = nil
            snapshotInProgress = false
        }
    }

    /// Replaces everything with a snapshot received from the leader.
    mutating func restore(_ snapshot: Snapshot) {
        offset = snapshot.metadata.index + 1
        offsetInProgress = offset
        entries = []
        self.snapshot = snapshot
        snapshotInProgress = false
    }

    /// Appends `newEntries` (contiguous, non-empty), replacing any suffix that
    /// starts at or after the first new index. The caller guarantees that the
    /// first new index is at most `lastIndex + 1` of the whole log and that
    /// `offset` ≤ it or that the stored part below is replaced too.
    mutating func truncateAndAppend(_ newEntries: ArraySlice<Entry>) {
        guard let first = newEntries.first else { return }
        let from = first.index
        if from == offset + UInt64(entries.count) {
            entries.append(contentsOf: newEntries)
        } else if from <= offset {
            // Replaces everything unstable (and the caller's stored tail from `from` on).
            offset = from
            entries = Array(newEntries)
        } else {
            entries.removeSubrange(Int(from - offset)...)
            entries.append(contentsOf: newEntries)
        }
        offsetInProgress = min(offsetInProgress, from)
        offsetInProgress = max(offsetInProgress, offset)
    }

    /// Entries in `[lo, hi)`, which must lie within `offset ... lastIndex + 1`.
    func slice(_ lo: UInt64, _ hi: UInt64) -> ArraySlice<Entry> {
        entries[Int(lo - offset)..<Int(hi - offset)]
    }
}
