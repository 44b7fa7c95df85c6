import Raft

/// A failure of the Ready loop that leaves the node unable to go on safely.
public enum NodeDriverError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The log storage failed (the node must stop: its disk state is unknown).
    case storage(StorageError)
    /// A snapshot from the leader could not be restored.
    case badSnapshot(String)

    public var description: String {
        switch self {
        case .storage(let error): "log storage failed: \(error)"
        case .badSnapshot(let reason): "cannot install snapshot: \(reason)"
        }
    }
}
