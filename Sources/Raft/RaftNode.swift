/// The Raft consensus core: a pure value-type state machine (etcd-io/raft's
/// `raft` + `RawNode`). No I/O, no clock, no threads.
public struct RaftNode {
    let config: Config
    var storage: any LogStorage
    public private(set) var term: UInt64 = 0
    public private(set) var role: Role = .follower
    public private(set) var leader: NodeID = .none

    /// Restores hard state and membership from `storage`.
    public init(config: Config, storage: any LogStorage) throws {
        try config.validate()
        self.config = config
        self.storage = storage
    }

    public var id: NodeID { config.id }

    public var status: Status {
        Status(
            id: id, term: term, vote: .none, commit: 0, applied: 0, lastIndex: 0, role: role,
            leader: leader, progress: [:], leadTransferee: .none, confState: ConfState())
    }

    public mutating func tick() {}
    public mutating func campaign() {}
    @discardableResult public mutating func propose(_ data: [UInt8]) throws(ProposalError) -> UInt64 {
        throw .notLeader(leader: nil)
    }
    @discardableResult public mutating func proposeConfChange(_ change: ConfChange) throws(ProposalError) -> UInt64 {
        throw .notLeader(leader: nil)
    }
    public mutating func step(_ message: Message) {}
    public mutating func transferLeadership(to transferee: NodeID) {}
    public mutating func reportUnreachable(_ peer: NodeID) {}
    public mutating func reportSnapshot(_ peer: NodeID, succeeded: Bool) {}
    public mutating func reportStorageStalled() {}
    public mutating func applyConfChange(_ change: ConfChange) -> ConfState { ConfState() }
    public var hasReady: Bool { false }
    public mutating func ready() -> Ready { Ready() }
    public mutating func advance(_ ready: Ready) {}
}
