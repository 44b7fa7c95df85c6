import Raft

/// A deterministic simulation of a Raft cluster: nodes running the real core
/// (``RaftNode``) over a simulated network (``SimNetwork``) and storage that
/// only holds what was synced, driven by one event queue in simulated time.
///
/// Every random choice comes from the seed, nodes are always visited in id
/// order, and no dictionary is iterated, so the same seed replays the same run
/// in any process (``fingerprint`` proves it). After every event the
/// invariants of ``SimInvariants`` and the per-node ones (terms and commit
/// indices never go back, a vote is never changed within a term, entries are
/// applied once, in order, up to the commit index) are checked; the first
/// violation stops the run with a ``SimulationFailure``.
public final class Simulation {
    /// The settings the simulation was made with.
    public let options: SimulationOptions
    /// The network; tests cut links and change conditions through it.
    public var network: SimNetwork
    /// Decides the fate of each message before the network does (nil: all pass).
    public var interceptor: ((Message) -> InterceptDecision)?
    /// Messages an interceptor held back, in the order they were sent.
    public var held: [Message] = []
    /// Simulated milliseconds since the start.
    public internal(set) var now: UInt64 = 0
    /// The checker's view of the run.
    public internal(set) var invariants = SimInvariants()
    /// Proposals whose accepting node applied them: acknowledged to the client as committed.
    public internal(set) var acknowledged: [ProposalTicket] = []
    /// The first violation found, if any.
    public internal(set) var failure: SimulationFailure?
    /// Messages sent, by ``MessageType/rawValue``.
    public internal(set) var messageCounts: [Int] = Array(repeating: 0, count: 16)
    /// Messages lost by the network or a cut link (not counting interceptor drops).
    public internal(set) var messagesDropped = 0
    /// Crashes and restarts so far.
    public internal(set) var crashes = 0
    /// Snapshots installed by followers.
    public internal(set) var snapshotsInstalled = 0
    /// Snapshots taken by nodes of their own state.
    public internal(set) var snapshotsTaken = 0

    var random: SimRandom
    var queue = SimEventQueue()
    var trace: SimTrace
    var nodes: [SimNode] = []
    /// The founders' member table (voters `1 ... options.voters` at their default addresses): every
    /// node's state machine starts from it, as every real node starts from cluster.yaml.
    public let foundingMembers: SimMemberTable
    /// Latest delivery time scheduled per link (`from * (capacity + 1) + to`), to keep links FIFO.
    var linkLastDelivery: [UInt64] = []

    /// Builds the cluster and starts the voters `1 ... options.voters`
    /// (nodes above that exist but stay down until ``start(_:)``).
    public init(_ options: SimulationOptions) throws(SimulationFailure) {
        precondition(options.voters >= 1 && options.capacity >= options.voters, "voters must be 1 ... capacity")
        self.options = options
        self.network = SimNetwork(capacity: options.capacity, conditions: options.conditions)
        self.random = SimRandom(seed: options.seed)
        self.trace = SimTrace(enabled: options.trace, limit: options.traceLimit)
        self.linkLastDelivery = Array(repeating: 0, count: (options.capacity + 1) * (options.capacity + 1))
        let voters = ConfState(voters: (1...UInt64(options.voters)).map { $0 })
        self.foundingMembers = SimMemberTable(founders: voters)
        for id in 1...UInt64(options.capacity) {
            let bootstrap = id <= UInt64(options.voters) ? voters : ConfState()
            let phase = random.uint64(in: 0...(options.tickMilliseconds - 1))
            nodes.append(SimNode(id: id, bootstrap: bootstrap, tickPhase: phase))
            queue.push(.tick(id), at: phase)
        }
        for id in 1...UInt64(options.voters) { try start(id) }
    }

    /// Ticks elapsed.
    public var tick: UInt64 { now / options.tickMilliseconds }

    /// The run's fingerprint so far: equal runs have equal fingerprints.
    public var fingerprint: UInt64 { trace.fingerprint }

    /// The trace text (empty unless tracing is on).
    public var traceText: String { trace.text }

    /// All node ids, ascending.
    public var nodeIDs: [NodeID] { nodes.map(\.id) }

    /// Ids of the nodes that are up, ascending.
    public var upNodes: [NodeID] { nodes.filter(\.isUp).map(\.id) }

    @inline(__always) func slot(_ id: NodeID) -> Int {
        precondition(id >= 1 && id <= UInt64(nodes.count), "no node \(id) in this simulation")
        return Int(id - 1)
    }

    /// Notes a violation; the run stops at the end of the current event.
    func fail(_ reason: String) {
        guard failure == nil else { return }
        trace.log(now, "FAILURE: \(reason)")
        failure = SimulationFailure(
            seed: options.seed, time: now, tick: tick, reason: reason, trace: trace.enabled ? trace.text : "")
    }

    /// Throws the failure if one was found.
    public func check() throws(SimulationFailure) {
        if let f = failure { throw f }
    }

    // MARK: Running

    /// Runs `ticks` ticks of simulated time.
    public func run(ticks: Int) throws(SimulationFailure) {
        _ = try run(until: now + UInt64(ticks) * options.tickMilliseconds, stop: { _ in false })
    }

    /// Runs until `condition` holds (checked after every event) or `maxTicks`
    /// pass; returns whether it held.
    @discardableResult
    public func run(maxTicks: Int, until condition: (Simulation) -> Bool) throws(SimulationFailure) -> Bool {
        if condition(self) { return true }
        return try run(until: now + UInt64(maxTicks) * options.tickMilliseconds, stop: condition)
    }

    private func run(until end: UInt64, stop: (Simulation) -> Bool) throws(SimulationFailure) -> Bool {
        try check()
        while let t = queue.nextTime, t <= end {
            let (time, event) = queue.pop()!
            now = time
            process(event)
            try check()
            if stop(self) { return true }
        }
        now = end
        return false
    }

    private func process(_ event: SimEvent) {
        switch event {
        case .tick(let id):
            let i = slot(id)
            queue.push(.tick(id), at: now + options.tickMilliseconds)
            guard nodes[i].isUp else { return }
            trace.fold(1, id)
            nodes[i].raft!.tick()
            drain(i)
        case .deliver(let m):
            let i = slot(m.to)
            guard nodes[i].isUp else {
                if m.type == .installSnapshot {
                    queue.push(.snapshotReport(leader: m.from, target: m.to, succeeded: false), at: now + options.tickMilliseconds)
                }
                return
            }
            trace.fold(2, UInt64(m.type.rawValue) << 32 | m.from << 16 | m.to, m.term, m.index &* 31 &+ UInt64(m.entries.count))
            trace.log(now, "recv \(describe(m))")
            nodes[i].raft!.step(m)
            drain(i)
            if m.type == .installSnapshot {
                queue.push(.snapshotReport(leader: m.from, target: m.to, succeeded: true), at: now + 1)
            }
        case .snapshotReport(let leader, let target, let succeeded):
            let i = slot(leader)
            guard nodes[i].isUp else { return }
            trace.fold(3, leader, target, succeeded ? 1 : 0)
            trace.log(now, "node \(leader): snapshot to \(target) \(succeeded ? "delivered" : "failed")")
            nodes[i].raft!.reportSnapshot(target, succeeded: succeeded)
            drain(i)
        case .unreachable(let from, let to):
            let i = slot(from)
            guard nodes[i].isUp else { return }
            trace.fold(4, from, to)
            nodes[i].raft!.reportUnreachable(to)
            drain(i)
        case .connectionReset(let at, let peer):
            let i = slot(at)
            guard nodes[i].isUp else { return }
            trace.fold(7, at, peer)
            trace.log(now, "node \(at): connection to \(peer) reset")
            nodes[i].raft!.reportLeaderUnreachable(peer)
            drain(i)
        }
    }

    // MARK: Nodes

    /// Starts (or restarts after a crash) node `id` over the storage its
    /// provider gives back: the state machine restarts from the storage's
    /// snapshot and re-applies committed entries from there.
    public func start(_ id: NodeID) throws(SimulationFailure) {
        let i = slot(id)
        guard !nodes[i].isUp else { return }
        if nodes[i].incarnation == 0 && nodes[i].bootstrap.members.isEmpty {
            // A node joining a running cluster starts with the membership the
            // cluster has now, as an operator would give it: the log it will
            // receive does not hold the initial membership (that lives in the
            // founders' storage), so replaying conf changes over an empty
            // membership would give it a wrong one.
            nodes[i].bootstrap = currentConfState
            nodes[i].app = SimAppState(confState: nodes[i].bootstrap, members: foundingMembers)
        }
        let storage: any MutableLogStorage
        do {
            storage = try options.storage.open(node: id, bootstrap: nodes[i].bootstrap)
            let (hardState, confState) = try storage.initialState()
            if nodes[i].lostTail {
                // What survived the cut is what the node has; its commit cannot exceed its log.
                nodes[i].persisted = HardState(
                    term: hardState.term, vote: hardState.vote, commit: min(hardState.commit, try storage.lastIndex()))
                nodes[i].unsyncedHardState = nil
                nodes[i].lostTail = false
            } else if hardState != nodes[i].persisted {
                if let unsynced = nodes[i].unsyncedHardState, hardState == unsynced {
                    // The write that was not synced survived: it counts as persisted now.
                    let old = nodes[i].persisted
                    nodes[i].persisted = unsynced
                    if let v = invariants.recordCommit(id, from: old.commit, to: unsynced.commit, term: unsynced.term, storage: storage) {
                        fail(v)
                    }
                } else {
                    fail("node \(id) restarted with hard state \(hardState) but \(nodes[i].persisted) was synced")
                }
            }
            nodes[i].unsyncedHardState = nil
            let snap = try storage.snapshot()
            if snap.isEmpty {
                // Replaying from index 1 starts from the founders' table, as cluster.yaml gives it.
                nodes[i].app = SimAppState(confState: confState, members: foundingMembers)
            } else if let restored = SimAppState(snapshot: snap) {
                if let v = invariants.checkSnapshot(id, index: restored.appliedIndex, digest: restored.digest)
                    ?? invariants.checkMembers(id, index: restored.appliedIndex, table: restored.members)
                {
                    fail(v)
                }
                nodes[i].app = restored
            } else {
                fail("node \(id) restarted with a snapshot that is not the simulator's")
            }
        } catch {
            fail("node \(id) storage failed to open: \(error)")
            try check()
            return
        }
        var config = Config(id: id)
        config.applied = nodes[i].app.appliedIndex
        config.randomSeed = random.derivedSeed(id << 32 | UInt64(nodes[i].incarnation))
        options.configure(&config)
        config.logLoss = nodes[i].logLoss
        do {
            nodes[i].raft = try RaftNode(config: config, storage: storage)
        } catch {
            fail("node \(id) failed to start: \(error)")
            try check()
            return
        }
        nodes[i].storage = storage
        nodes[i].incarnation += 1
        nodes[i].pendingCrash = nil
        nodes[i].ledTerm = 0
        let status = nodes[i].raft!.status
        if status.term < nodes[i].persisted.term {
            fail("node \(id) restarted in term \(status.term) after term \(nodes[i].persisted.term) was synced")
        }
        if status.commit < nodes[i].persisted.commit {
            fail("node \(id) restarted with commit \(status.commit) after commit \(nodes[i].persisted.commit) was synced")
        }
        nodes[i].seenTerm = status.term
        trace.fold(5, id, UInt64(nodes[i].incarnation))
        trace.log(now, "node \(id): start #\(nodes[i].incarnation) term \(status.term) commit \(status.commit) applied \(nodes[i].app.appliedIndex)")
        drain(i)
        try check()
    }

    /// Crashes node `id` at `point` of its Ready handling (``CrashPoint/now``:
    /// at once; otherwise during its next Ready). Whatever it had not synced is lost.
    public func crash(_ id: NodeID, at point: CrashPoint = .now) {
        let i = slot(id)
        guard nodes[i].isUp else { return }
        if point == .now {
            powerOff(i, reason: "crash")
        } else {
            nodes[i].pendingCrash = point
        }
    }

    func powerOff(_ i: Int, reason: String) {
        let id = nodes[i].id
        nodes[i].raft = nil
        nodes[i].storage = nil
        nodes[i].pendingCrash = nil
        nodes[i].proposals = [:]
        options.storage.crash(node: id)
        crashes += 1
        if options.connectionResets {
            for other in nodes where other.isUp && other.id != id {
                queue.push(.connectionReset(at: other.id, peer: id), at: now + 1)
            }
        }
        trace.fold(6, id)
        trace.log(now, "node \(id): \(reason)")
    }

    /// Node `at`'s transport sees `peer`'s connections reset now (a blip on one link; `peer` may be alive).
    public func resetConnection(at: NodeID, peer: NodeID) {
        queue.push(.connectionReset(at: at, peer: peer), at: now)
    }

    /// Whether node `id` is running.
    public func isUp(_ id: NodeID) -> Bool { nodes[slot(id)].isUp }

    /// Whether node `id` was ever started.
    public func hasStarted(_ id: NodeID) -> Bool { nodes[slot(id)].incarnation > 0 }

    /// Whether node `id` is set to crash during its next Ready.
    public func hasPendingCrash(_ id: NodeID) -> Bool { nodes[slot(id)].pendingCrash != nil }

    /// The node's status (nil while it is down).
    public func status(of id: NodeID) -> Status? { nodes[slot(id)].raft?.status }

    /// The node's role (nil while it is down).
    public func role(of id: NodeID) -> Role? { nodes[slot(id)].raft?.role }

    /// The node's current term (nil while it is down).
    public func term(of id: NodeID) -> UInt64? { nodes[slot(id)].raft?.term }

    /// The leader the node believes in (nil while it is down).
    public func leaderKnown(by id: NodeID) -> NodeID? { nodes[slot(id)].raft?.leader }

    /// The node's state machine.
    public func appState(of id: NodeID) -> SimAppState { nodes[slot(id)].app }

    /// Index of the last entry the node applied.
    public func appliedIndex(of id: NodeID) -> UInt64 { nodes[slot(id)].app.appliedIndex }

    /// The hard state the node last synced.
    public func persistedHardState(of id: NodeID) -> HardState { nodes[slot(id)].persisted }

    /// The node's storage while it is up.
    public func storage(of id: NodeID) -> (any MutableLogStorage)? { nodes[slot(id)].storage }

    /// The leader among the running nodes with the highest term, if any.
    public var leader: NodeID? {
        var best: (term: UInt64, id: NodeID)? = nil
        for n in nodes where n.raft?.role == .leader {
            let t = n.raft!.term
            if best == nil || t > best!.term { best = (t, n.id) }
        }
        return best?.id
    }

    /// Runs until some node leads (at most `maxTicks`), returning it.
    public func waitForLeader(maxTicks: Int = 100) throws(SimulationFailure) -> NodeID? {
        try run(maxTicks: maxTicks) { $0.leader != nil }
        return leader
    }

    /// Number of messages of `type` sent so far.
    public func messages(of type: MessageType) -> Int { messageCounts[Int(type.rawValue)] }

    /// Total messages sent so far.
    public var totalMessages: Int { messageCounts.reduce(0, +) }

    /// Zeroes the message counters.
    public func resetMessageCounts() {
        for i in messageCounts.indices { messageCounts[i] = 0 }
    }

    /// Hands a (held) message to the network now, as if just sent.
    public func inject(_ message: Message, delay: UInt64 = 1) {
        queue.push(.deliver(message), at: now + delay)
    }

    /// Logs a test's own step into the trace.
    public func note(_ text: @autoclosure () -> String) {
        trace.log(now, text())
    }
}
