/// The role a node plays in its current term.
public enum Role: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case follower = 0
    case preCandidate = 1
    case candidate = 2
    case leader = 3
    /// A learner: receives the log, never votes or campaigns.
    case learner = 4

    public var description: String {
        switch self {
        case .follower: "follower"
        case .preCandidate: "pre-candidate"
        case .candidate: "candidate"
        case .leader: "leader"
        case .learner: "learner"
        }
    }
}

/// Volatile state worth reporting to the caller when it changes.
public struct SoftState: Sendable, Hashable {
    public var leader: NodeID
    public var role: Role
    public init(leader: NodeID, role: Role) {
        self.leader = leader
        self.role = role
    }
}

/// Work the caller must do, handed out by the core (etcd-io/raft's `Ready`).
///
/// Contract, in order:
/// 1. Persist `snapshot` (if set), `entries` and `hardState` (if set) to
///    stable storage; call `sync()` once for all of them when `mustSync`.
/// 2. Send `messages`. A leader may send its messages before or while its own
///    write completes; every other role must send only after step 1.
/// 3. Apply `snapshot` to the state machine, then `committedEntries` in order.
/// 4. Call `advance(_:)` with this value.
public struct Ready: Sendable {
    /// Set when leader or role changed since the last Ready.
    public var softState: SoftState?
    /// Set when term, vote or commit changed and must be persisted.
    public var hardState: HardState?
    /// Entries to append to stable storage before sending `messages`.
    public var entries: [Entry]
    /// A snapshot received from the leader, to persist and apply.
    public var snapshot: Snapshot?
    /// Entries known committed, to apply in order (already persisted earlier).
    public var committedEntries: [Entry]
    /// Messages to send.
    public var messages: [Message]
    /// True when `entries`, `hardState` term/vote or `snapshot` must reach disk before sending.
    public var mustSync: Bool

    public init(
        softState: SoftState? = nil, hardState: HardState? = nil, entries: [Entry] = [],
        snapshot: Snapshot? = nil, committedEntries: [Entry] = [], messages: [Message] = [],
        mustSync: Bool = false
    ) {
        self.softState = softState
        self.hardState = hardState
        self.entries = entries
        self.snapshot = snapshot
        self.committedEntries = committedEntries
        self.messages = messages
        self.mustSync = mustSync
    }

    /// True when there is nothing to do.
    public var isEmpty: Bool {
        softState == nil && hardState == nil && entries.isEmpty && snapshot == nil
            && committedEntries.isEmpty && messages.isEmpty
    }
}
