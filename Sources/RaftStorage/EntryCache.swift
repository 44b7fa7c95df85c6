import Raft

/// The most recent entries, bounded by payload bytes: a contiguous run
/// `firstIndex ... lastIndex` of the log's tail. Older entries are read from disk.
struct EntryCache {
    private var entries: [Entry] = []
    private var head = 0
    private(set) var bytes: UInt64 = 0
    let budget: UInt64

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
        guard UInt64(entry.data.count) <= budget else { return }
        entries.append(entry)
        bytes += UInt64(entry.data.count)
        while bytes > budget { dropFirst() }
    }

    /// Forgets entries at or after `index`.
    mutating func removeFrom(_ index: UInt64) {
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
