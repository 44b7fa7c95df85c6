import Foundation
import Raft

/// Runs a target's decoder over mutated seeds, in process, and watches the resident set.
///
/// Input `i` of a run with seed `s` is made by `SplitMix64.fuzzing(seed: s, iteration: i)` alone, so any
/// input replays from (target, seed, iteration). A crash (a trap in a decoder) ends the process; the
/// executable's `FuzzCrashReporter` then prints the iteration.
public struct FuzzRunner: Sendable {
    /// Inputs between two samples of the resident set.
    public var sampleInterval = 1_000
    /// Inputs of warm-up (caches, allocator arenas) before the memory bound applies.
    public var warmUpInputs = 20_000
    /// How far the resident set may grow past its size at the end of warm-up, in bytes.
    public var residentGrowthBound = 64 << 20
    /// Violations kept in the report (all are counted).
    public var keptFailures = 10
    /// Called every `sampleInterval` inputs with the report so far.
    public var progress: (@Sendable (FuzzReport) -> Void)?

    /// A runner with the default bounds.
    public init() {}

    /// The input of `iteration` for `target` and `seed`.
    public static func input(for target: FuzzTarget, seed: UInt64, iteration: Int) -> [UInt8] {
        var rng = SplitMix64.fuzzing(seed: seed, iteration: iteration)
        let seeds = target.seeds
        let base = seeds[rng.below(seeds.count)]
        let partner = seeds[rng.below(seeds.count)]
        // One input in 32 is the seed itself, untouched: the round trip of valid bytes is checked too.
        var bytes = rng.chance(1, in: 32) ? base.bytes : FuzzMutator.mutate(base, splicingWith: partner, using: &rng)
        // Most inputs get their checksums made right again, so the body parser sees the damage.
        if let repair = target.repair, rng.chance(7, in: 8) { repair(&bytes, &rng) }
        return bytes
    }

    /// Runs `count` inputs of `target` from `firstIteration`.
    public func run(_ target: FuzzTarget, seed: UInt64, inputs count: Int, from firstIteration: Int = 0) -> FuzzReport {
        precondition(!target.seeds.isEmpty, "target \(target.name) has no seeds")
        var report = FuzzReport(target: target.name, seed: seed, firstIteration: firstIteration)
        let clock = ContinuousClock()
        let started = clock.now
        var lastSample = started
        let warmUp = min(warmUpInputs, count / 10)
        for n in 0..<count {
            let iteration = firstIteration + n
            FuzzCrashReporter.current(iteration: iteration)
            let input = Self.input(for: target, seed: seed, iteration: iteration)
            let before = clock.now
            do throws(FuzzViolation) {
                switch try target.check(input) {
                case .accepted: report.accepted += 1
                case .rejected: report.rejected += 1
                }
            } catch {
                report.failureCount += 1
                if report.failures.count < keptFailures {
                    let hex = input.prefix(48).map { String($0, radix: 16).leftPadded(2) }.joined()
                    report.failures.append(.init(iteration: iteration, violation: error, prefix: hex))
                }
            }
            let now = clock.now
            report.slowestInputSeconds = max(report.slowestInputSeconds, (now - before).fuzzSeconds)
            report.inputs += 1
            if report.inputs % sampleInterval == 0 || n == count - 1 || n + 1 == warmUp {
                sample(&report, warmUp: warmUp)
                report.seconds = (now - started).fuzzSeconds
                if (now - lastSample).fuzzSeconds >= 10 || n == count - 1 {
                    lastSample = now
                    progress?(report)
                }
                if report.memoryFailure != nil { break }
            }
        }
        report.seconds = (clock.now - started).fuzzSeconds
        return report
    }

    private func sample(_ report: inout FuzzReport, warmUp: Int) {
        guard let resident = ResidentMemory.current() else { return }
        report.peakResidentBytes = max(report.peakResidentBytes, resident)
        if report.inputs <= warmUp || report.warmResidentBytes == 0 {
            report.warmResidentBytes = max(report.warmResidentBytes, resident)
        } else if resident > report.warmResidentBytes + residentGrowthBound {
            report.memoryFailure =
                "resident set \(resident >> 20) MiB after \(report.inputs) inputs, "
                + "more than \(residentGrowthBound >> 20) MiB above \(report.warmResidentBytes >> 20) MiB at the end of warm-up"
        }
    }
}

extension Duration {
    fileprivate var fuzzSeconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
