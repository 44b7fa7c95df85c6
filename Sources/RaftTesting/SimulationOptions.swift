import Raft

/// How a ``Simulation`` is set up.
public struct SimulationOptions {
    /// Seed of every random choice of the run (network, timers, workload).
    public var seed: UInt64
    /// Voters the cluster starts with: nodes `1 ... voters`.
    public var voters: Int
    /// Highest node id that exists (nodes above `voters` start outside the
    /// cluster, with empty storage, when a test starts them).
    public var capacity: Int
    /// Milliseconds of simulated time per tick (50 ms: the heartbeat of cluster.yaml).
    public var tickMilliseconds: UInt64
    /// Network conditions at the start.
    public var conditions: SimNetwork.Conditions
    /// Applied entries between snapshots a node takes of its state machine
    /// (0: never), and how many entries before the snapshot index the log keeps.
    public var snapshotInterval: UInt64
    /// Entries kept in the log before a snapshot's index when compacting.
    public var snapshotTail: UInt64
    /// Adjusts each node's Raft configuration (called at every start).
    public var configure: (inout Config) -> Void
    /// Where nodes keep their log.
    public var storage: any SimStorageProvider
    /// Record a readable trace (slower); the fingerprint is always kept.
    public var trace: Bool
    /// Keep only the latest this many trace lines (0: all).
    public var traceLimit: Int
    /// Whether a crashed node's peers see its connections reset 1 ms later, as the kernel resets a dead
    /// process's sockets (``SimEvent/connectionReset(at:peer:)``, `RaftNode.reportLeaderUnreachable`).
    public var connectionResets: Bool

    /// Options for a cluster of `voters` nodes (see each property).
    public init(
        seed: UInt64, voters: Int = 3, capacity: Int? = nil, tickMilliseconds: UInt64 = 50,
        conditions: SimNetwork.Conditions = .reliable, snapshotInterval: UInt64 = 0, snapshotTail: UInt64 = 0,
        configure: @escaping (inout Config) -> Void = { _ in }, storage: any SimStorageProvider = MemoryStorageProvider(),
        trace: Bool = false, traceLimit: Int = 400, connectionResets: Bool = false
    ) {
        self.connectionResets = connectionResets
        self.seed = seed
        self.voters = voters
        self.capacity = capacity ?? voters
        self.tickMilliseconds = tickMilliseconds
        self.conditions = conditions
        self.snapshotInterval = snapshotInterval
        self.snapshotTail = snapshotTail
        self.configure = configure
        self.storage = storage
        self.trace = trace
        self.traceLimit = traceLimit
    }
}
