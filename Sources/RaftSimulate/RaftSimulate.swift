import ArgumentParser
import RaftTesting

/// `raftcast-simulate`: runs random-fault simulations of the Raft core, one
/// seed or a sweep of seeds, and replays a failing seed with its trace.
@main
struct RaftSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raftcast-simulate",
        abstract: "Deterministic simulation of the Raft core under random faults.",
        discussion: "Each seed runs a cluster through crashes, partitions, loss, reordering, leadership transfers, membership changes and snapshots, checking Raft's invariants after every event, then heals everything and requires convergence. The same seed always replays the same run. Sweeps: scripts/simulate.sh.")

    @Option(help: "Run only this seed.")
    var seed: UInt64?

    @Option(help: "Number of seeds to run (a sweep).")
    var seeds: Int = 100

    @Option(help: "First seed of the sweep.")
    var start: UInt64 = 1

    @Option(help: "Voters per cluster, 3 ... 7 (default: chosen by each seed).")
    var nodes: Int?

    @Option(help: "Ticks of faults per seed before healing.")
    var faultTicks: Int = 500

    @Option(help: "Ticks allowed to converge after healing.")
    var convergenceTicks: Int = 400

    @Option(help: "Storage of the nodes: memory, durable (the write-ahead log on a simulated disk) or mixed (durable every 8th seed).")
    var storage: String = "mixed"

    @Option(help: "Print progress every this many seeds (0: never).")
    var progress: Int = 500

    @Option(help: "Run a named scenario instead: figure8 or figure8-unreliable.")
    var scenario: String?

    @Option(help: "Rounds of the scenario.")
    var rounds: Int = 1000

    @Flag(help: "Print the trace of the run (with --seed).")
    var trace = false

    func validate() throws {
        if let n = nodes, !(3...7).contains(n) { throw ValidationError("--nodes must be 3 ... 7, not \(n)") }
        if seeds < 1 { throw ValidationError("--seeds must be at least 1") }
        if faultTicks < 0 || convergenceTicks < 1 { throw ValidationError("--fault-ticks must be ≥ 0 and --convergence-ticks ≥ 1") }
        if RandomRun.StorageChoice(rawValue: storage) == nil {
            throw ValidationError("--storage must be memory, durable or mixed, not \(storage)")
        }
        if let s = scenario, !["figure8", "figure8-unreliable"].contains(s) {
            throw ValidationError("--scenario must be figure8 or figure8-unreliable, not \(s)")
        }
    }

    func run() throws {
        if let scenario {
            try runScenario(scenario)
        } else if let seed {
            try runOne(seed)
        } else {
            try sweep()
        }
    }

    private func parameters(_ seed: UInt64, trace: Bool) -> RandomRun.Parameters {
        RandomRun.Parameters(
            seed: seed, voters: nodes, faultTicks: faultTicks, convergenceTicks: convergenceTicks, trace: trace,
            traceLimit: trace && self.seed == nil ? 300 : 0, storage: RandomRun.StorageChoice(rawValue: storage)!)
    }

    private func replayCommand(_ seed: UInt64) -> String {
        var cmd = "raftcast-simulate --seed \(seed) --trace"
        if let n = nodes { cmd += " --nodes \(n)" }
        if faultTicks != 500 { cmd += " --fault-ticks \(faultTicks)" }
        if convergenceTicks != 400 { cmd += " --convergence-ticks \(convergenceTicks)" }
        if storage != "mixed" { cmd += " --storage \(storage)" }
        return cmd
    }

    private func runOne(_ seed: UInt64) throws {
        do {
            let (summary, sim) = try RandomRun.run(parameters(seed, trace: trace))
            if trace { print(sim.traceText) }
            print("ok \(summary)")
        } catch {
            print("FAIL seed \(seed): \(error.reason) (tick \(error.tick))")
            if !error.trace.isEmpty { print("trace:\n\(error.trace)") }
            print("replay: \(replayCommand(seed))")
            throw ExitCode(1)
        }
    }

    private func sweep() throws {
        let clock = ContinuousClock()
        let began = clock.now
        var combined: UInt64 = 0
        var crashes = 0
        var committed: UInt64 = 0
        var acknowledged = 0
        var snapshots = 0
        var durableSeeds = 0
        for k in 0..<seeds {
            let seed = start + UInt64(k)
            do {
                let (s, _) = try RandomRun.run(parameters(seed, trace: false))
                combined = StableHash.mix(combined, s.fingerprint)
                crashes += s.crashes
                committed += s.committed
                acknowledged += s.acknowledged
                snapshots += s.snapshotsInstalled
                if s.durable { durableSeeds += 1 }
            } catch {
                print("FAIL seed \(seed): \(error.reason) (tick \(error.tick))")
                // The run is deterministic: run it again with the trace on to show how it got there.
                if case .failure(let traced) = Result(catching: { () throws(SimulationFailure) in
                    _ = try RandomRun.run(parameters(seed, trace: true))
                }) {
                    print("trace (latest lines):\n\(traced.trace)")
                    if traced.reason != error.reason { print("warning: the traced replay failed differently: \(traced.reason)") }
                } else {
                    print("warning: the traced replay did not fail: the run is not deterministic")
                }
                print("replay: \(replayCommand(seed))")
                throw ExitCode(1)
            }
            if progress > 0 && (k + 1) % progress == 0 {
                print("  \(k + 1)/\(seeds) seeds ok (\(elapsed(clock, began)))")
            }
        }
        print("simulated \(seeds) seeds \(start)...\(start + UInt64(seeds) - 1): all invariants held (\(durableSeeds) on the durable log); \(crashes) crashes, \(committed) entries committed, \(acknowledged) proposals acknowledged, \(snapshots) snapshots installed; fingerprint \(String(combined, radix: 16)); \(elapsed(clock, began))")
    }

    private func runScenario(_ name: String) throws {
        let seed = self.seed ?? start
        let clock = ContinuousClock()
        let began = clock.now
        do {
            let sim = try Figure8.run(seed: seed, rounds: rounds, unreliable: name == "figure8-unreliable", trace: trace)
            if trace { print(sim.traceText) }
            print("ok \(name) seed \(seed), \(rounds) rounds: \(sim.invariants.termsWithLeader) terms with a leader, \(sim.invariants.committedIndex) committed, \(sim.crashes) crashes, fingerprint \(String(sim.fingerprint, radix: 16)); \(elapsed(clock, began))")
        } catch {
            print("FAIL \(name) seed \(seed): \(error.reason) (tick \(error.tick))")
            if !error.trace.isEmpty { print("trace:\n\(error.trace)") }
            print("replay: raftcast-simulate --scenario \(name) --rounds \(rounds) --seed \(seed) --trace")
            throw ExitCode(1)
        }
    }

    private func elapsed(_ clock: ContinuousClock, _ began: ContinuousClock.Instant) -> String {
        let d = clock.now - began
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        let hundredths = (ms % 1000) / 10
        return "\(ms / 1000).\(hundredths < 10 ? "0" : "")\(hundredths) s"
    }
}
