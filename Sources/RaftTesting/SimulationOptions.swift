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

    /// Options for a cluster of `voters` nodes (see each property).
    public init(
        seed: UInt64, voters: Int = 3, capacity: Int? = nil, tickMilliseconds: UInt64 = 50,
        conditions: SimNetwork.Conditions = .reliable, snapshotInterval: UInt64 = 0, snapshotTail: UInt64 = 0,
        configure: @escaping (inout Config) -> Void = { _ in }, storage: any SimStorageProvider = MemoryStorageProvider(),
        trace: Bool = false, traceLimit: Int = 400
    ) {
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

/// Where in its Ready handling a node loses power.
public enum CrashPoint: Sendable, Hashable, CaseIterable {
    /// Right away, between two events (every Ready so far fully handled).
    case now
    /// After `ready()`, before anything of it is written: the Ready is lost.
    case beforePersist
    /// After the Ready's snapshot, entries and hard state are written but
    /// before the sync: what survives depends on the storage (MemoryStorage
    /// keeps it all; the durable log loses the unsynced tail). Safe either
    /// way, as none of the Ready's messages left.
    case duringPersist
    /// After its entries and hard state are synced, before its messages go out.
    case afterPersist
    /// After its messages are sent, before it is applied and advanced.
    case afterSend
}

/// A proposal a node accepted: where it went and what it carried.
public struct ProposalTicket: Sendable, Hashable {
    /// The node that accepted it (the leader at the time).
    public var node: NodeID
    /// The log index it was given.
    public var index: UInt64
    /// Digest of the entry's contents (``SimAppState/entryDigest(_:)``).
    public var digest: UInt64
}

/// The result of asking a node to propose.
public enum ProposalOutcome: Sendable {
    case accepted(ProposalTicket)
    case rejected(ProposalError)
    case nodeDown

    /// The ticket when accepted.
    public var ticket: ProposalTicket? {
        if case .accepted(let t) = self { return t }
        return nil
    }
}

/// What a test's interceptor does with a message about to enter the network.
public enum InterceptDecision: Sendable, Hashable {
    /// Hand it to the network as usual.
    case pass
    /// Lose it.
    case drop
    /// Keep it aside in ``Simulation/held``; the test may inject it later.
    case hold
}

/// A safety or liveness property the run broke, with what is needed to replay it.
public struct SimulationFailure: Error, CustomStringConvertible {
    /// Seed of the run.
    public var seed: UInt64
    /// Simulated milliseconds when it was detected.
    public var time: UInt64
    /// Tick count when it was detected.
    public var tick: UInt64
    /// What went wrong.
    public var reason: String
    /// The latest trace lines, when tracing was on.
    public var trace: String

    /// The failure as text: seed, tick, reason and trace.
    public var description: String {
        var s = "simulation failure (seed \(seed), tick \(tick), t=\(time) ms): \(reason)"
        if !trace.isEmpty { s += "\ntrace:\n" + trace }
        return s
    }
}
