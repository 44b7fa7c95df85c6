import Raft

/// Keeps one ``MemoryStorage`` per node across crashes.
public final class MemoryStorageProvider: SimStorageProvider {
    private var stores: [NodeID: MemoryStorage] = [:]

    /// A provider with no storage yet.
    public init() {}

    /// The node's storage, created with `bootstrap` on first use.
    public func open(node: NodeID, bootstrap: ConfState) throws -> any MutableLogStorage {
        if let s = stores[node] { return s }
        let s = MemoryStorage(confState: bootstrap)
        stores[node] = s
        return s
    }

    /// Nothing to do: the storage only ever held synced state.
    public func crash(node: NodeID) {}

    /// Replaces the node's storage with one holding its snapshot, its entries up
    /// to `index` and its hard state (whose commit may now lie beyond the log).
    public func loseTail(node: NodeID, keepingUpTo index: UInt64) throws -> LogLoss? {
        guard let old = stores[node] else { return nil }
        let last = try old.lastIndex()
        guard index < last else { return nil }
        let (hardState, confState) = try old.initialState()
        let snapshot = try old.snapshot()
        let fresh = MemoryStorage(confState: confState)
        if !snapshot.isEmpty { try fresh.applySnapshot(snapshot) }
        let from = max(try old.firstIndex(), snapshot.metadata.index + 1)
        if index >= from { try fresh.append(try old.entries(from: from, to: index + 1, maxBytes: .max)) }
        try fresh.setHardState(hardState)
        stores[node] = fresh
        return LogLoss(index: max(last, hardState.commit), term: hardState.term)
    }
}
