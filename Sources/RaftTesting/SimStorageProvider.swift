import Raft

/// Gives each simulated node its storage, at first start and after each crash.
///
/// The simulator only writes to storage what a node's Ready handling has
/// persisted and synced; a crash between `ready()` and persisting loses that
/// Ready, because nothing of it was written. So whatever the storage holds
/// when a node crashes is what survives, and `open` after a crash must return
/// storage holding exactly that: the same in-memory object, or a durable log
/// reopened from its files.
public protocol SimStorageProvider: AnyObject {
    /// Storage for `node`; `bootstrap` is the membership a node that has never
    /// run starts with (empty for a node that joins later).
    func open(node: NodeID, bootstrap: ConfState) throws -> any MutableLogStorage
    /// `node` lost power: drop any handle to its storage without syncing.
    func crash(node: NodeID)
    /// `node` (down) loses every stored entry after `index`, as `raftcast wal
    /// repair` cutting a damaged tail would do. Returns what the node may have
    /// acknowledged and lost, nil when nothing was after `index`.
    func loseTail(node: NodeID, keepingUpTo index: UInt64) throws -> LogLoss?
}

extension SimStorageProvider {
    /// By default a provider cannot cut a log: ``Simulation/loseLogTail(_:keepingUpTo:consent:)`` fails the run.
    public func loseTail(node: NodeID, keepingUpTo index: UInt64) throws -> LogLoss? {
        throw LogCutUnsupported()
    }
}
