import Raft

/// A proposal a node accepted: where it went and what it carried.
public struct ProposalTicket: Sendable, Hashable {
    /// The node that accepted it (the leader at the time).
    public var node: NodeID
    /// The log index it was given.
    public var index: UInt64
    /// Digest of the entry's contents (``SimAppState/entryDigest(_:)``).
    public var digest: UInt64
}
