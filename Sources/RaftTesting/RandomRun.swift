import Raft

/// One run of mixed random faults, all derived from a seed: crashes at every
/// point of the Ready handling and restarts, symmetric, one-way and partial
/// partitions, loss, duplication and reordering, leadership transfers,
/// forced campaigns, membership changes and snapshots, under a steady
/// stream of proposals. Then every link heals, every node restarts, and the
/// cluster must converge with every acknowledged proposal applied everywhere.
public struct RandomRun {
    /// What to run.
    public struct Parameters: Sendable {
        /// The seed of everything.
        public var seed: UInt64
        /// Voters (nil: 3 ... 7 chosen by the seed).
        public var voters: Int?
        /// Ticks of faults before healing.
        public var faultTicks: Int
        /// Ticks allowed to converge once healed.
        public var convergenceTicks: Int
        /// Record a readable trace.
        public var trace: Bool
        /// Latest trace lines kept (0: all).
        public var traceLimit: Int
        /// Which storage nodes keep their log in.
        public var storage: StorageChoice

        /// Parameters of the run of `seed`.
        public init(
            seed: UInt64, voters: Int? = nil, faultTicks: Int = 500, convergenceTicks: Int = 400,
            trace: Bool = false, traceLimit: Int = 0, storage: StorageChoice = .mixed
        ) {
            self.storage = storage
            self.seed = seed
            self.voters = voters
            self.faultTicks = faultTicks
            self.convergenceTicks = convergenceTicks
            self.trace = trace
            self.traceLimit = traceLimit
        }
    }

    /// Where simulated nodes keep their log.
    public enum StorageChoice: String, Sendable, CaseIterable {
        /// ``MemoryStorage`` (fast).
        case memory
        /// The durable write-ahead log (``DurableStorageProvider``).
        case durable
        /// Durable for every eighth seed, memory for the rest.
        case mixed

        /// Whether `seed` runs on the durable log.
        public func usesDurable(seed: UInt64) -> Bool {
            switch self {
            case .memory: false
            case .durable: true
            case .mixed: seed % 8 == 0
            }
        }
    }

    /// What a successful run did.
    public struct Summary: Sendable, CustomStringConvertible {
        /// The seed.
        public var seed: UInt64
        /// Voters the cluster started with.
        public var voters: Int
        /// Ticks simulated, faults and convergence.
        public var ticks: UInt64
        /// Terms that had a leader.
        public var termsWithLeader: Int
        /// Highest committed index.
        public var committed: UInt64
        /// Proposals acknowledged to clients.
        public var acknowledged: Int
        /// Node crashes.
        public var crashes: Int
        /// Messages sent.
        public var messages: Int
        /// Snapshots installed from a leader.
        public var snapshotsInstalled: Int
        /// The run's fingerprint (equal for equal runs).
        public var fingerprint: UInt64
        /// Whether nodes ran on the durable log.
        public var durable: Bool

        /// One line describing the run.
        public var description: String {
            "seed \(seed): \(voters) voters\(durable ? " (durable log)" : ""), \(ticks) ticks, \(termsWithLeader) terms with a leader, \(committed) committed, \(acknowledged) acknowledged, \(crashes) crashes, \(messages) messages, \(snapshotsInstalled) snapshots installed, fingerprint \(String(fingerprint, radix: 16))"
        }
    }

    /// Runs the seed; throws the first violation (safety or liveness).
    public static func run(_ p: Parameters) throws(SimulationFailure) -> (Summary, Simulation) {
        var plan = SimRandom(seed: StableHash.mix(p.seed, 0x5EED_F00D))
        let voters = p.voters ?? plan.int(in: 3...7)
        let membershipChanges = plan.chance(0.3)
        let preVote = !plan.chance(0.2)
        let checkQuorum = !plan.chance(0.2)
        let snapshotInterval: UInt64 = plan.pick([0, 8, 20, 50])
        let snapshotTail: UInt64 = plan.pick([0, 3, 15])
        let smallMessages = plan.chance(0.3)
        let connectionResets = plan.chance(0.5)
        var conditions = SimNetwork.Conditions.reliable
        func randomConditions(_ r: inout SimRandom) -> SimNetwork.Conditions {
            SimNetwork.Conditions(
                lossRate: r.pick([0, 0, 0.02, 0.1, 0.2]), duplicateRate: r.pick([0, 0.01, 0.05]),
                minDelay: 1, maxDelay: r.pick([3, 10, 30]),
                reorderRate: r.pick([0, 0.05, 0.2]), maxReorderDelay: r.pick([100, 400]))
        }
        if plan.chance(0.6) { conditions = randomConditions(&plan) }
        let durable = p.storage.usesDurable(seed: p.seed)
        let storage: any SimStorageProvider = durable ? DurableStorageProvider() : MemoryStorageProvider()

        let options = SimulationOptions(
            seed: p.seed, voters: voters, capacity: voters + (membershipChanges ? 1 : 0),
            conditions: conditions, snapshotInterval: snapshotInterval, snapshotTail: snapshotTail,
            configure: { c in
                c.preVote = preVote
                c.checkQuorum = checkQuorum
                if smallMessages {
                    c.maxSizePerMessage = 256
                    c.maxInflightMessages = 4
                }
            },
            storage: storage, trace: p.trace, traceLimit: p.traceLimit, connectionResets: connectionResets)
        let sim = try Simulation(options)
        sim.note("random run: \(voters) voters, \(durable ? "durable log" : "memory storage"), preVote \(preVote), checkQuorum \(checkQuorum), snapshots every \(snapshotInterval) (tail \(snapshotTail)), membership changes \(membershipChanges), small messages \(smallMessages), connection resets \(connectionResets), conditions \(conditions)")

        var restartAt: [UInt64] = Array(repeating: 0, count: sim.nodeIDs.count + 1)
        var healLinksAt: UInt64 = 0
        var proposalSequence: UInt64 = 0
        let proposalRate = plan.pick([0.2, 0.5, 1.0])
        let faultRate = plan.pick([0.02, 0.05, 0.1])
        let spare = NodeID(voters + 1)

        for _ in 0..<p.faultTicks {
            try sim.run(ticks: 1)
            let tick = sim.tick
            // Scheduled repairs.
            for id in sim.nodeIDs where restartAt[Int(id)] != 0 && restartAt[Int(id)] <= tick {
                restartAt[Int(id)] = 0
                try sim.start(id)
            }
            if healLinksAt != 0 && healLinksAt <= tick {
                healLinksAt = 0
                sim.network.healLinks()
                sim.note("links healed")
            }
            // Client traffic: mostly to the leader, sometimes to anyone.
            if plan.chance(proposalRate) {
                let count = plan.int(in: 1...3)
                for _ in 0..<count {
                    proposalSequence += 1
                    var data = Array("p\(p.seed)-\(proposalSequence)".utf8)
                    let padding = plan.pick([0, 0, 16, 200, 1000])
                    for _ in 0..<padding { data.append(UInt8(truncatingIfNeeded: plan.next())) }
                    if plan.chance(0.85), let l = sim.leader {
                        sim.propose(data, at: l)
                    } else {
                        sim.propose(data, at: plan.pick(sim.nodeIDs))
                    }
                }
            }
            guard plan.chance(faultRate) else { continue }
            let up = sim.upNodes
            switch plan.int(in: 0...13) {
            case 0, 1:
                guard !up.isEmpty else { break }
                let victim = plan.chance(0.5) ? (sim.leader ?? plan.pick(up)) : plan.pick(up)
                let point = plan.pick(CrashPoint.allCases)
                sim.note("fault: crash \(victim) at \(point)")
                sim.crash(victim, at: point)
                restartAt[Int(victim)] = tick + plan.uint64(in: 2...60)
            case 2:
                var shuffled = sim.nodeIDs
                shuffled.shuffle(using: &plan)
                let cut = plan.int(in: 1...max(1, shuffled.count - 1))
                let groups = [Array(shuffled[..<cut]), Array(shuffled[cut...])]
                sim.note("fault: partition \(groups)")
                sim.network.partition(groups)
                healLinksAt = tick + plan.uint64(in: 5...80)
            case 3:
                let a = plan.pick(sim.nodeIDs)
                let b = plan.pick(sim.nodeIDs)
                guard a != b else { break }
                sim.note("fault: one-way cut \(a) -> \(b)")
                sim.network.setLink(from: a, to: b, open: false)
                healLinksAt = max(healLinksAt, tick + plan.uint64(in: 5...80))
            case 4:
                let links = plan.int(in: 1...4)
                for _ in 0..<links {
                    let a = plan.pick(sim.nodeIDs)
                    let b = plan.pick(sim.nodeIDs)
                    if a != b { sim.network.setBidirectional(a, b, open: false) }
                }
                sim.note("fault: \(links) links cut")
                healLinksAt = max(healLinksAt, tick + plan.uint64(in: 5...80))
            case 5:
                guard let l = sim.leader else { break }
                sim.note("fault: isolate leader \(l)")
                sim.network.isolate(l)
                healLinksAt = max(healLinksAt, tick + plan.uint64(in: 5...80))
            case 6:
                sim.note("fault: heal links")
                sim.network.healLinks()
                healLinksAt = 0
            case 7:
                sim.network.conditions = randomConditions(&plan)
                sim.note("fault: conditions \(sim.network.conditions)")
            case 8:
                guard let l = sim.leader else { break }
                let target = plan.pick(sim.nodeIDs)
                sim.transferLeadership(at: l, to: target)
            case 9:
                guard !up.isEmpty else { break }
                sim.campaign(plan.pick(up))
            case 10, 11:
                guard membershipChanges, let l = sim.leader else { break }
                let conf = sim.appState(of: l).confState
                var change: ConfChange
                if !conf.members.contains(spare) {
                    change = ConfChange(.addLearner, node: spare)
                    if !sim.isUp(spare) { try sim.start(spare) }
                } else if conf.learners.contains(spare) {
                    change = ConfChange(.addVoter, node: spare)
                } else if conf.voters.count > 3 && plan.chance(0.5) {
                    change = ConfChange(.remove, node: plan.pick(conf.voters))
                } else if let removed = sim.nodeIDs.first(where: { !conf.members.contains($0) }) {
                    change = ConfChange(.addLearner, node: removed)
                    if !sim.isUp(removed) { try sim.start(removed) }
                } else {
                    change = ConfChange(.addLearner, node: plan.pick(conf.voters.filter { $0 != l } + [spare]))
                }
                change.context = Self.memberContext(for: change, table: sim.appState(of: l).members, plan: &plan)
                sim.proposeConfChange(change, at: l)
            case 12:
                guard let l = sim.leader else { break }
                sim.note("fault: leader \(l) reports a stalled disk")
                sim.reportStorageStalled(l)
            case 13:
                // A blip: one follower sees its live leader's connection reset.
                guard let l = sim.leader, let follower = up.filter({ $0 != l }).first else { break }
                sim.note("fault: \(follower) sees the connection to leader \(l) reset")
                sim.resetConnection(at: follower, peer: l)
            default:
                break
            }
        }

        // Heal: every link open, a calm network, every node running.
        sim.note("healing: links open, reliable network, all nodes restarted")
        sim.network.healLinks()
        sim.network.conditions = .reliable
        for id in sim.nodeIDs where sim.hasPendingCrash(id) { sim.crash(id) }
        for id in sim.nodeIDs where !sim.isUp(id) && sim.hasStarted(id) {
            try sim.start(id)
        }
        try sim.checkConvergence(maxTicks: p.convergenceTicks)
        let summary = Summary(
            seed: p.seed, voters: voters, ticks: sim.tick, termsWithLeader: sim.invariants.termsWithLeader,
            committed: sim.invariants.committedIndex, acknowledged: sim.acknowledged.count, crashes: sim.crashes,
            messages: sim.totalMessages, snapshotsInstalled: sim.snapshotsInstalled, fingerprint: sim.fingerprint,
            durable: durable)
        return (summary, sim)
    }
}
