import Raft

/// Something that happens at one instant of simulated time.
public enum SimEvent: Sendable {
    /// A node's clock ticks once.
    case tick(NodeID)
    /// A message arrives at `message.to`.
    case deliver(Message)
    /// The transport tells `leader` whether its snapshot reached `target`.
    case snapshotReport(leader: NodeID, target: NodeID, succeeded: Bool)
    /// The transport tells `from` that `to` could not be reached.
    case unreachable(from: NodeID, to: NodeID)
    /// Node `at`'s transport sees `peer`'s connections reset (a crashed process, or a blip on one link).
    case connectionReset(at: NodeID, peer: NodeID)
}
