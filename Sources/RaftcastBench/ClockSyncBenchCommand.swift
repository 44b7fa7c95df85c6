import ArgumentParser
import Audio
import Broadcast
import BroadcastTesting
import Foundation

/// `raftcast-bench clock-sync`: the clock-sync filter and the playout scheduler over many seeds of the
/// simulator, beside two textbook estimators fed the very same samples (NTP's clock filter: the
/// lowest-delay of the last 8 samples; and the median of the last 8 offsets), neither of which
/// models drift.
struct ClockSyncBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock-sync",
        abstract: "Clock-sync accuracy and cost, and playout accuracy, over simulated seeds."
    )

    @Option(help: "Seeds per network scenario.")
    var seeds = 200

    @Option(help: "Simulated seconds per seed.")
    var seconds = 60

    @Option(help: "Simulated seconds of playout per card drift.")
    var playoutSeconds = 300

    /// A follower's errors against the leader's timeline, in ms, for one estimator.
    struct Errors {
        var afterFive: [Double] = []
        var afterTwenty: [Double] = []
        mutating func add(_ error: Double, at time: Duration) {
            if time >= .seconds(5) { afterFive.append(abs(error)) }
            if time >= .seconds(20) { afterTwenty.append(abs(error)) }
        }
    }

    /// A textbook estimator over the last eight samples, without drift.
    struct WindowEstimator {
        var samples: [ClockSample] = []
        let pick: ([ClockSample]) -> Double

        mutating func add(_ sample: ClockSample) {
            samples.append(sample)
            if samples.count > 8 { samples.removeFirst() }
        }

        func error(at local: Duration, truth: Double) -> Double? {
            guard !samples.isEmpty else { return nil }
            return (pick(samples) - truth) / 1e6
        }

        static func ntpClockFilter() -> WindowEstimator { WindowEstimator { samples in
            samples.min { $0.delayNanoseconds < $1.delayNanoseconds }!.offsetNanoseconds
        } }
        static func median() -> WindowEstimator { WindowEstimator { samples in
            let sorted = samples.map(\.offsetNanoseconds).sorted()
            return sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        } }
    }

    static let raws = [
        RawClock(offset: .seconds(500), ppm: 40),
        RawClock(offset: .seconds(503.7), ppm: -100),
        RawClock(offset: .seconds(499.88), ppm: 100),
    ]

    func run() throws {
        print("clock sync: \(seeds) seeds x \(seconds) s per scenario, 2 followers, leader +40 ppm, followers -100/+100 ppm")
        print("errors against the leader's timeline (ms), sampled every 5 ms; p50 / p99 / max")
        for (name, delays) in [
            ("symmetric 0.1-2 ms jitter", DelayModel()),
            ("+0.6 ms return path, 10% spikes 20-50 ms", DelayModel(extraInbound: .microseconds(600), spikeProbability: 0.1)),
            ("loopback: 20-40 us, 30% thread waits of 80 us mean each way (asymmetric)",
             DelayModel(minimum: .microseconds(20), maximum: .microseconds(40), tailProbability: 0.3, tailMean: .microseconds(80))),
        ] {
            var ours = Errors()
            var ntp = Errors()
            var median = Errors()
            var violations = 0
            var checks = 0
            var driftErrors: [Double] = []
            for seed in 1...UInt64(seeds) {
                var simulation = ClockSyncSimulation(raws: Self.raws, leader: 0, seed: seed)
                for node in 1...2 { simulation.nodes[node].delays = delays }
                var baselines = [1: (WindowEstimator.ntpClockFilter(), WindowEstimator.median()),
                                 2: (WindowEstimator.ntpClockFilter(), WindowEstimator.median())]
                simulation.onSample = { node, sample in
                    baselines[node]!.0.add(sample)
                    baselines[node]!.1.add(sample)
                }
                simulation.run(until: .seconds(seconds)) { sim in
                    let leaderNow = sim.nodes[0].clock.clusterTime(at: sim.local(0))!
                    for node in 1...2 {
                        let local = sim.local(node)
                        let trueOffset = Double(leaderNow.nanoseconds) - local.nanosecondsDouble
                        if let time = sim.nodes[node].clock.clusterTime(at: local),
                            let bound = sim.nodes[node].clock.errorBound(at: local)
                        {
                            let error = (time - leaderNow).milliseconds
                            ours.add(error, at: sim.truth.now)
                            checks += 1
                            if abs(error) > bound.milliseconds + 1e-6 { violations += 1 }
                        }
                        if let error = baselines[node]!.0.error(at: local, truth: trueOffset) { ntp.add(error, at: sim.truth.now) }
                        if let error = baselines[node]!.1.error(at: local, truth: trueOffset) { median.add(error, at: sim.truth.now) }
                    }
                }
                for node in 1...2 {
                    let truth = ((1 + Self.raws[0].ppm * 1e-6) / (1 + Self.raws[node].ppm * 1e-6) - 1) * 1e6
                    driftErrors.append(abs(simulation.nodes[node].clock.filter.estimate!.driftPPM - truth))
                }
            }
            print("\n  \(name)")
            for (label, errors) in [("ClockSyncFilter", ours), ("NTP clock filter (min delay of 8)", ntp), ("median of 8 offsets", median)] {
                print("    \(label.padding(toLength: 36, withPad: " ", startingAt: 0)) after 5 s \(Self.summary(errors.afterFive))   after 20 s \(Self.summary(errors.afterTwenty))")
            }
            let ours99 = Self.percentile(ours.afterTwenty, 0.99)
            print(String(format: "    p99 after 20 s, ratio to ClockSyncFilter: NTP clock filter %.1fx, median %.1fx",
                         Self.percentile(ntp.afterTwenty, 0.99) / ours99, Self.percentile(median.afterTwenty, 0.99) / ours99))
            print(String(format: "    drift error at %d s (ppm): p50 %.2f  p99 %.2f  max %.2f;  error beyond reported bound: %d of %d checks",
                         seconds, Self.percentile(driftErrors, 0.5), Self.percentile(driftErrors, 0.99), driftErrors.max() ?? 0, violations, checks))
        }
        measureFilterCost()
        measurePlayout()
    }

    /// Time per ClockSyncFilter.add with a full 64-sample window.
    func measureFilterCost() {
        var filter = ClockSyncFilter()
        var random = SeededGenerator(seed: 1)
        let count = 20_000
        var samples: [ClockSample] = []
        for index in 0..<count {
            let send = Duration.seconds(index)
            let out = Duration.microseconds(Int64.random(in: 100...2_000, using: &random))
            let back = Duration.microseconds(Int64.random(in: 100...2_000, using: &random))
            samples.append(ClockSample(
                clientSend: send, serverReceive: ClusterTime.zero + (send + out + .seconds(3)),
                serverSend: ClusterTime.zero + (send + out + .seconds(3)), clientReceive: send + out + back))
        }
        let clock = SystemMonotonicClock()
        let start = clock.now
        for sample in samples { filter.add(sample) }
        let elapsed = clock.now - start
        print(String(format: "\nClockSyncFilter.add with a full window (64 samples, 2016 pairs): %.1f µs per sample (%d samples)",
                     elapsed.nanosecondsDouble / 1e3 / Double(count), count))
    }

    /// The scheduler on simulated cards with a drift, for `playoutSeconds` each.
    func measurePlayout() {
        print("\nplayout: \(playoutSeconds) s per card drift, 48 kHz, 10 ms chunks, 50 ms queue")
        let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 1_000_000_000), sampleRate: 48_000)
        for ppm in [-300.0, -100.0, 100.0, 300.0] {
            var simulation = PlayoutSimulation(timeline: timeline, cardPPM: ppm)
            let clock = SystemMonotonicClock()
            let start = clock.now
            simulation.run(until: .seconds(playoutSeconds + 1))
            let elapsed = clock.now - start
            var errors: [Double] = []
            simulation.forEachHeardSample(until: .seconds(playoutSeconds + 1), stride: 11) { _, _, error in errors.append(abs(error)) }
            let stats = simulation.scheduler.stats
            print(String(format: "  card %+4.0f ppm: |error| p50 %.3f  p99 %.3f  max %.3f ms; inserted %d dropped %d resyncs %d; %.2f µs per action, simulated card included (%d actions)",
                         ppm, Self.percentile(errors, 0.5), Self.percentile(errors, 0.99), errors.max() ?? 0,
                         stats.insertedFrames, stats.droppedFrames, stats.hardResyncs,
                         elapsed.nanosecondsDouble / 1e3 / Double(simulation.actions.count), simulation.actions.count))
        }
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[max(Int((fraction * Double(sorted.count)).rounded(.up)) - 1, 0)]
    }

    static func summary(_ values: [Double]) -> String {
        String(format: "%.3f / %.3f / %.3f", percentile(values, 0.5), percentile(values, 0.99), values.max() ?? .nan)
    }
}
