import Foundation

/// The in-memory twin of the durable log: used by tests, the simulator and
/// benchmarks. Thread-safe (a lock guards every call), so it is `Sendable`.
///
/// Layout: `entries[0]` is a dummy whose index and term are those of the
/// compaction point (the snapshot's), so `entries[i].index == offset + i`.
public final class MemoryStorage: MutableLogStorage, @unchecked Sendable {
    private let lock = NSLock()
    private var hardState = HardState()
    private var snap = Snapshot()
    private var entriesStore: [Entry] = [Entry(term: 0, index: 0)]
    /// When set, every call fails with this error (fault injection).
    public var injectedFailure: StorageError? {
        get { lock.withLock { _injected } }
        set { lock.withLock { _injected = newValue } }
    }
    private var _injected: StorageError?

    /// A storage holding no entries, with `confState` as the initial membership.
    public init(confState: ConfState = ConfState()) {
        snap.metadata.confState = confState
    }

    /// Runs `body` under the lock, keeping the typed error.
    private func guarded<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private var offset: UInt64 { entriesStore[0].index }
    private var last: UInt64 { offset + UInt64(entriesStore.count) - 1 }

    public func initialState() throws(StorageError) -> (HardState, ConfState) {
        try guarded { () throws(StorageError) -> (HardState, ConfState) in
            if let e = _injected { throw e }
            return (hardState, snap.metadata.confState)
        }
    }

    public func entries(from lo: UInt64, to hi: UInt64, maxBytes: UInt64) throws(StorageError) -> [Entry] {
        try guarded { () throws(StorageError) -> [Entry] in
            if let e = _injected { throw e }
            if lo <= offset { throw .compacted }
            if hi > last + 1 { throw .unavailable }
            if lo >= hi { return [] }
            var out: [Entry] = []
            var size: UInt64 = 0
            for i in lo..<hi {
                let e = entriesStore[Int(i - offset)]
                size += e.accountedSize
                if !out.isEmpty && size > maxBytes { break }
                out.append(e)
            }
            return out
        }
    }

    public func term(at index: UInt64) throws(StorageError) -> UInt64 {
        try guarded { () throws(StorageError) -> UInt64 in
            if let e = _injected { throw e }
            if index < offset { throw .compacted }
            if index > last { throw .unavailable }
            return entriesStore[Int(index - offset)].term
        }
    }

    public func firstIndex() throws(StorageError) -> UInt64 {
        try guarded { () throws(StorageError) -> UInt64 in
            if let e = _injected { throw e }
            return offset + 1
        }
    }

    public func lastIndex() throws(StorageError) -> UInt64 {
        try guarded { () throws(StorageError) -> UInt64 in
            if let e = _injected { throw e }
            return last
        }
    }

    public func snapshot() throws(StorageError) -> Snapshot {
        try guarded { () throws(StorageError) -> Snapshot in
            if let e = _injected { throw e }
            return snap
        }
    }

    public func append(_ newEntries: [Entry]) throws(StorageError) {
        try guarded { () throws(StorageError) in
            if let e = _injected { throw e }
            guard let first = newEntries.first else { return }
            let firstNew = first.index
            // Entries before our first retained index are already compacted: skip them.
            var toAppend = newEntries[...]
            if firstNew <= offset {
                let skip = Int(offset + 1 - firstNew)
                if skip >= toAppend.count { return }
                toAppend = toAppend.dropFirst(skip)
            }
            let start = toAppend.first!.index
            if start > last + 1 {
                throw .io("append leaves a gap: last index \(last), appending \(start)")
            }
            // Truncate a conflicting suffix, then append.
            entriesStore.removeSubrange(Int(start - offset)...)
            entriesStore.append(contentsOf: toAppend)
        }
    }

    public func setHardState(_ state: HardState) throws(StorageError) {
        try guarded { () throws(StorageError) in
            if let e = _injected { throw e }
            hardState = state
        }
    }

    public func applySnapshot(_ snapshot: Snapshot) throws(StorageError) {
        try guarded { () throws(StorageError) in
            if let e = _injected { throw e }
            if snapshot.metadata.index <= snap.metadata.index { throw .snapshotOutOfDate }
            snap = snapshot
            let idx = snapshot.metadata.index
            // Keep entries after the snapshot only if the log agrees with it at its index.
            if idx >= offset && idx <= last && entriesStore[Int(idx - offset)].term == snapshot.metadata.term {
                entriesStore.removeFirst(Int(idx - offset))
            } else {
                entriesStore = [Entry(term: snapshot.metadata.term, index: idx)]
            }
            entriesStore[0] = Entry(term: snapshot.metadata.term, index: idx)
        }
    }

    public func createSnapshot(at index: UInt64, confState: ConfState, data: [UInt8]) throws(StorageError) -> Snapshot {
        try guarded { () throws(StorageError) -> Snapshot in
            if let e = _injected { throw e }
            if index <= snap.metadata.index { throw .snapshotOutOfDate }
            if index > last { throw .unavailable }
            // Below the compaction point the term is gone (and a snapshot there is stale).
            if index < offset { throw .compacted }
            let term = entriesStore[Int(index - offset)].term
            snap = Snapshot(metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
            return snap
        }
    }

    public func compact(upTo index: UInt64) throws(StorageError) {
        try guarded { () throws(StorageError) in
            if let e = _injected { throw e }
            // `index` becomes firstIndex: the entry at index-1 becomes the dummy.
            if index <= offset + 1 { return }
            let newDummy = index - 1
            if newDummy > last { throw .unavailable }
            let term = entriesStore[Int(newDummy - offset)].term
            entriesStore.removeFirst(Int(newDummy - offset))
            entriesStore[0] = Entry(term: term, index: newDummy)
        }
    }

    public func sync() throws(StorageError) {
        try guarded { () throws(StorageError) in
            if let e = _injected { throw e }
        }
    }
}
