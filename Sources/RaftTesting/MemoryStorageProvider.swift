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
}
