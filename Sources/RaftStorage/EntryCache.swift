import Raft

/// The most recent entries, bounded by payload bytes: a contiguous run
/// `firstIndex ... lastIndex` of the log's tail. Older entries are read from disk.
///
/// Entries that were never read (served by ``DurableLogStorage/entries(from:to:maxBytes:)``) since they
/// were appended stay beyond the budget, up to ``unreadLimit``: they are the entries still to be
/// applied (and, on a leader, sent to a follower that lags), which are read once, soon. Without it, a
/// burst larger than the budget (8 values of 1 MiB in flight) was appended, pushed out of the cache
/// by the next appends, and read back from the segment file, payload CRC and all, to be applied.
/// The memory this keeps is that of entries the core and the transport hold at that moment anyway;
/// once read, they go at the next append as before.
struct EntryCache {
    private var entries: [Entry] = []
    private var head = 0
    private(set) var bytes: UInt64 = 0
    let budget: UInt64
    /// Entries up to this index were read at least once (0: none).
    private var readThrough: UInt64 = 0
    /// The most this keeps for entries not read yet (the bound for entries read is ``budget``).
    static let unreadLimit: UInt64 = 32 << 20

    init(budget: UInt64) { self.budget = budget }

    var count: Int { entries.count - head }

    func entry(at index: UInt64) -> Entry? {
        guard count > 0 else { return nil }
        let first = entries[head].index
        guard index >= first, index < first + UInt64(count) else { return nil }
        return entries[head + Int(index - first)]
    }

    /// Adds the next entry of the log (dropping cached entries at or after its index first).
    mutating func append(_ entry: Entry) {
        removeFrom(entry.index)
        if count > 0, entries[entries.count - 1].index + 1 != entry.index { removeAll() }
        guard budget > 0 else { return }
        entries.append(entry)
        bytes += UInt64(entry.data.count)
        // Beyond the budget: the oldest go while they were read, or while over the limit for unread ones.
        while bytes > budget, count > 0, entries[head].index <= readThrough || bytes > max(budget, Self.unreadLimit) {
            dropFirst()
        }
    }

    /// Notes that entries up to `index` were read (they may now go once the cache is over its budget).
    mutating func noteRead(through index: UInt64) {
        readThrough = max(readThrough, index)
    }

    /// Forgets entries at or after `index`.
    mutating func removeFrom(_ index: UInt64) {
        // Entries that replace these were not read yet.
        readThrough = min(readThrough, index &- 1)
        while count > 0, entries[entries.count - 1].index >= index {
            bytes -= UInt64(entries.removeLast().data.count)
        }
        if count == 0 { removeAll() }
    }

    /// Forgets entries before `index`.
    mutating func removeBefore(_ index: UInt64) {
        while count > 0, entries[head].index < index { dropFirst() }
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        head = 0
        bytes = 0
    }

    private mutating func dropFirst() {
        bytes -= UInt64(entries[head].data.count)
        entries[head] = Entry(term: 0, index: 0)
        head += 1
        if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
