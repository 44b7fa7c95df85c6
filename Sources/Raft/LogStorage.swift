/// Errors a ``LogStorage`` reports to the core.
public enum StorageError: Error, Sendable, Hashable {
    /// The requested index is at or before the first retained entry (compacted away).
    case compacted
    /// The requested index is after the last entry.
    case unavailable
    /// A snapshot is being prepared; ask again later.
    case snapshotTemporarilyUnavailable
    /// A snapshot older than the one held was offered.
    case snapshotOutOfDate
    /// The disk failed; the message names the file and the reason.
    case io(String)
}

/// The read side of a Raft log, as the core sees it (modelled on etcd-io/raft's
/// `Storage`). The core only reads through it; the caller writes to it when it
/// handles a ``Ready`` (see ``MutableLogStorage``).
///
/// Indices: the log holds entries `firstIndex ... lastIndex`; the entry at
/// `firstIndex - 1` is the compaction point, whose term is still answered by
/// ``term(at:)``. An empty log has `firstIndex == lastIndex + 1`.
public protocol LogStorage: AnyObject {
    /// The hard state and membership saved last.
    func initialState() throws(StorageError) -> (HardState, ConfState)
    /// Entries in `[lo, hi)`, at most `maxBytes` of ``Entry/accountedSize``
    /// but always at least one entry when the range is non-empty.
    func entries(from lo: UInt64, to hi: UInt64, maxBytes: UInt64) throws(StorageError) -> [Entry]
    /// Term of the entry at `index`, for `firstIndex - 1 ... lastIndex`.
    func term(at index: UInt64) throws(StorageError) -> UInt64
    /// Index of the first retained entry.
    func firstIndex() throws(StorageError) -> UInt64
    /// Index of the last entry.
    func lastIndex() throws(StorageError) -> UInt64
    /// The most recent snapshot.
    func snapshot() throws(StorageError) -> Snapshot
}

/// The write side: what the caller does with a ``Ready``. The durable
/// implementation (module RaftStorage) and ``MemoryStorage`` both conform and
/// pass one conformance suite.
public protocol MutableLogStorage: LogStorage {
    /// Appends entries; entries at or after the first one's index are replaced
    /// (a conflicting suffix is truncated). Durable once ``sync()`` returns.
    func append(_ entries: [Entry]) throws(StorageError)
    /// Records the hard state. Durable once ``sync()`` returns.
    func setHardState(_ state: HardState) throws(StorageError)
    /// Replaces the log with a snapshot received from the leader: entries up to
    /// its index are dropped (and the rest too, unless they match it).
    func applySnapshot(_ snapshot: Snapshot) throws(StorageError)
    /// Saves a snapshot the application took at `index` (which must be ≤ the
    /// applied index and ≤ lastIndex). The log is not compacted; call
    /// ``compact(upTo:)`` for that, so that a tail can be kept for slow followers.
    func createSnapshot(at index: UInt64, confState: ConfState, data: [UInt8]) throws(StorageError) -> Snapshot
    /// Discards entries before `index` (`index` becomes the new firstIndex).
    func compact(upTo index: UInt64) throws(StorageError)
    /// Makes everything written so far durable (one sync per Ready: group commit).
    func sync() throws(StorageError)
}
