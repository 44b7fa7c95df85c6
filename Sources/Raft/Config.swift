/// The settings of one Raft node. Every field but ``id`` has a default that
/// suits a LAN with a 50 ms tick (see docs/raft.md for the tick ↔ ms mapping).
///
/// Call ``validate()`` (``RaftNode/init(config:storage:)`` does) to reject
/// inconsistent settings with a readable reason.
public struct Config: Sendable, Hashable {
    /// This node's id; must not be ``NodeID/none``.
    public var id: NodeID
    /// Ticks without hearing from a leader before a follower campaigns. The
    /// effective timeout is randomized in `[electionTick, 2 * electionTick)`.
    /// A leader with ``checkQuorum`` steps down after this many ticks without
    /// hearing from a quorum.
    public var electionTick: Int = 10
    /// Ticks between heartbeats sent by a leader; must be below ``electionTick``.
    public var heartbeatTick: Int = 1
    /// Run a pre-vote round (which does not raise terms) before a real election.
    public var preVote: Bool = true
    /// A leader steps down when it has not heard from a quorum for an election
    /// timeout; followers that heard from a leader within the election timeout
    /// refuse (pre-)votes (the lease check).
    public var checkQuorum: Bool = true
    /// Maximum bytes (``Entry/accountedSize``) of entries in one append message;
    /// a single larger entry is still sent alone.
    public var maxSizePerMessage: UInt64 = 1 << 20
    /// Maximum append messages in flight (unacknowledged) per follower in the
    /// replicate state.
    public var maxInflightMessages: Int = 256
    /// Maximum bytes of entries in flight per follower; 0 means no byte limit.
    public var maxInflightBytes: UInt64 = 32 << 20
    /// Maximum bytes of entries in flight per **learner** (0: as ``maxInflightBytes``). A learner catching up
    /// on a long log is then paced by its own acknowledgements and never has more than this queued on the
    /// leader's link to it, so the catch-up does not crowd out the voters' replication (the commits).
    public var maxLearnerInflightBytes: UInt64 = 4 << 20

    /// Learners (listeners) receive new entries in batches. While a learner is in step with the log, the
    /// leader holds back the entries proposed after the last append it sent it until its next ``tick()``,
    /// and then sends the committed ones in one append (which replaces the tick's heartbeat); more than this
    /// many bytes (``Entry/accountedSize``) held back are sent at once. The learner writes, syncs, answers and
    /// applies once per batch instead of once per entry, and the leader sends one message per learner and
    /// tick instead of one per entry. Voters are not affected (they are sent every entry at once: the commits
    /// wait for them), nor is a learner that is catching up (it is sent as fast as its acknowledgements
    /// allow). A learner therefore receives and applies an entry at most one tick after the voters committed
    /// it, plus one append's trip. 0: learners are sent every entry at once, like voters.
    public var learnerBatchBytes: UInt64 = 256 << 10

    /// The in-flight byte bound for a follower (`learner`: ``maxLearnerInflightBytes`` when set).
    func inflightBytes(learner: Bool) -> UInt64 {
        learner && maxLearnerInflightBytes != 0 ? maxLearnerInflightBytes : maxInflightBytes
    }
    /// Maximum bytes of proposed but not yet committed entries at the leader;
    /// beyond it proposals fail with ``ProposalError/uncommittedSizeExceeded``.
    /// 0 means no limit.
    public var maxUncommittedEntriesSize: UInt64 = 64 << 20
    /// Maximum bytes of committed entries handed out in one ``Ready``
    /// (at least one entry is always handed out).
    public var maxCommittedSizePerReady: UInt64 = 64 << 20
    /// Last applied index when restarting (entries up to it are not handed out
    /// again); must not exceed the stored commit index.
    public var applied: UInt64 = 0
    /// Seed of the deterministic generator that randomizes election timeouts.
    /// Give each node a different seed.
    public var randomSeed: UInt64 = 0
    /// Set when the stored log lost entries this node may have acknowledged
    /// (see ``LogLoss``): the node does not vote or campaign until it has
    /// caught up past them. Only with the operator's consent.
    public var logLoss: LogLoss?

    /// Defaults for every setting, with the given node id.
    public init(id: NodeID) {
        self.id = id
    }

    /// Checks that the settings are consistent.
    /// - Throws: ``ConfigError`` naming the first setting that is wrong and why.
    public func validate() throws(ConfigError) {
        if id == .none { throw .invalid(setting: "id", reason: "must not be 0 (0 means \"no node\")") }
        if heartbeatTick <= 0 {
            throw .invalid(setting: "heartbeatTick", reason: "must be at least 1, got \(heartbeatTick)")
        }
        if electionTick <= heartbeatTick {
            throw .invalid(
                setting: "electionTick",
                reason: "must be greater than heartbeatTick (\(heartbeatTick)), got \(electionTick)")
        }
        if electionTick > 1 << 30 {
            throw .invalid(setting: "electionTick", reason: "must be at most 2^30, got \(electionTick)")
        }
        if maxSizePerMessage == 0 {
            throw .invalid(setting: "maxSizePerMessage", reason: "must be at least 1 byte")
        }
        if maxInflightMessages <= 0 {
            throw .invalid(
                setting: "maxInflightMessages", reason: "must be at least 1, got \(maxInflightMessages)")
        }
        if maxInflightBytes != 0 && maxInflightBytes < maxSizePerMessage {
            throw .invalid(
                setting: "maxInflightBytes",
                reason: "must be 0 (no limit) or at least maxSizePerMessage (\(maxSizePerMessage)), got \(maxInflightBytes)")
        }
        if maxLearnerInflightBytes != 0 && maxLearnerInflightBytes < maxSizePerMessage {
            throw .invalid(
                setting: "maxLearnerInflightBytes",
                reason: "must be 0 (as maxInflightBytes) or at least maxSizePerMessage (\(maxSizePerMessage)), got \(maxLearnerInflightBytes)")
        }
        if maxCommittedSizePerReady == 0 {
            throw .invalid(setting: "maxCommittedSizePerReady", reason: "must be at least 1 byte")
        }
    }
}

/// Why a ``Config`` (or the state it is used with) is unusable.
public enum ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A setting has an unusable value.
    case invalid(setting: String, reason: String)
    /// The storage could not be read at start-up.
    case storage(StorageError)

    /// One line naming the setting and the reason.
    public var description: String {
        switch self {
        case .invalid(let setting, let reason): "invalid Raft config: \(setting) \(reason)"
        case .storage(let error): "cannot read Raft storage at start-up: \(error)"
        }
    }
}
