import Raft

/// One simulated machine: its Raft node while it is up, its storage handle,
/// its state machine, and what the checker remembers about it across crashes.
struct SimNode {
    let id: NodeID
    /// The membership the node starts with when it has never run.
    var bootstrap: ConfState
    /// Milliseconds after each tick boundary at which this node's clock ticks.
    var tickPhase: UInt64
    var raft: RaftNode?
    var storage: (any MutableLogStorage)?
    var app: SimAppState
    /// Number of times the node was started.
    var incarnation = 0
    var pendingCrash: CrashPoint?
    /// Highest term seen in this incarnation.
    var seenTerm: UInt64 = 0
    /// Term in which the node was last seen leading (leader completeness is checked once per term).
    var ledTerm: UInt64 = 0
    /// The hard state last synced to storage, kept across crashes.
    var persisted = HardState()
    /// A hard state written but not synced when the node crashed: storage may hold it or `persisted`.
    var unsyncedHardState: HardState?
    /// Proposals this node accepted and has not applied yet: index → digest.
    var proposals: [UInt64: UInt64] = [:]
    /// The stored log lost its tail while the node was down (``Simulation/loseLogTail(_:keepingUpTo:consent:)``):
    /// the next start takes the stored hard state as it is.
    var lostTail = false
    /// The loss the node recovers from (passed to its core at start), until it has caught up.
    var logLoss: LogLoss?

    init(id: NodeID, bootstrap: ConfState, tickPhase: UInt64) {
        self.id = id
        self.bootstrap = bootstrap
        self.tickPhase = tickPhase
        self.app = SimAppState(confState: bootstrap)
    }

    var isUp: Bool { raft != nil }
}
