import Broadcast

/// The demo's verdict: did the broadcast survive the leader's death without a sound out of place?
///
/// From a ``DemoOutcome`` it checks that a new leader was elected, that the ingest finished, and,
/// for every surviving node from its play log: every fragment of the stream played once (none
/// missing, none logged twice), and no gap or overlap between consecutive fragments beyond
/// ``tolerance`` — in particular at the takeover. It also reports the inter-node skew (p50 / p99 /
/// max, all nodes) and where the WAV captures are. ``passed`` is the exit status's source.
///
/// ```
/// verdict: PASS
///   new leader      n2, 312 ms after n1 was killed
///   ingest          exit 0
///   n2              10 of 10 fragments, none doubled, gap at the takeover (#2→#3) 0.02 ms, largest gap
///                   0.03 ms (#4→#5), bit-exact (no drift correction)
///   n3              …
///   n1 (killed)     3 fragments before it was killed
///   skew            p50 0.01 ms, p99 0.04 ms, max 0.04 ms over 10 fragments
///   wav             n2: /tmp/raftcast-demo-1/n2.wav (20.1 s)
/// ```
public struct DemoVerdict: Sendable, Hashable {
    /// One finding.
    public struct Check: Sendable, Hashable {
        /// What it is about (`new leader`, a node id, …).
        public var subject: String
        /// Whether it passed (informational lines always pass).
        public var passed: Bool
        /// The finding in one line.
        public var detail: String
    }

    /// What one surviving node's play log shows.
    public struct NodePlayback: Sendable, Hashable {
        /// The node.
        public var node: String
        /// Distinct fragments logged.
        public var fragmentsPlayed: Int
        /// Fragments of the stream never logged.
        public var missing: [Int]
        /// Fragments logged more than once.
        public var doubled: [Int]
        /// The gap at the takeover (largest around `committedAtKill`), when known.
        public var takeoverGap: PlayLogAnalysis.Gap?
        /// The largest gap anywhere.
        public var largestGap: PlayLogAnalysis.Gap?
        /// The most negative gap (overlap), when below zero.
        public var largestOverlap: PlayLogAnalysis.Gap?
        /// How late into its first fragment the node started (a join mid-stream misses the samples
        /// before it; 0 when it started on the stream's first sample).
        public var missedAtStart: Duration
        /// Single frames inserted or dropped for drift (nil when the node did not report it):
        /// informational, a sound card legitimately needs some; 0 means bit-exact audio.
        public var driftCorrections: Int? = nil
    }

    /// The largest gap (or overlap) between consecutive fragments that still counts as seamless.
    public let tolerance: Duration
    /// Every finding, in order.
    public let checks: [Check]
    /// Per surviving node.
    public let playback: [NodePlayback]
    /// Skew across all nodes.
    public let skew: PlayLogAnalysis.Summary?

    /// True when every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// Judges `outcome`; gaps up to `tolerance` (either way) count as none.
    public init(_ outcome: DemoOutcome, tolerance: Duration = .milliseconds(2)) {
        self.tolerance = tolerance
        var checks: [Check] = []
        if let killed = outcome.killedLeader {
            checks.append(
                Check(
                    subject: "new leader", passed: outcome.timeToNewLeader != nil,
                    detail: outcome.timeToNewLeader.map { "\(DemoFormat.wholeMilliseconds($0)) after \(killed) was killed" }
                        ?? "none elected after \(killed) was killed"))
        } else {
            checks.append(Check(subject: "new leader", passed: false, detail: "the leader was never killed"))
        }
        checks.append(
            Check(
                subject: "ingest", passed: outcome.ingestStatus == 0,
                detail: outcome.ingestStatus.map {
                    $0 == 0 ? "every fragment committed (exit 0)"
                        : "raftcast ingest exited \($0)" + (outcome.ingestMessage.map { ": \($0)" } ?? "")
                }
                    ?? "raftcast ingest did not finish"))

        // The API names the stream in its text form; a play-log record by the catalogue's id.
        let stream = outcome.stream.flatMap(StreamID.init)
        let records = outcome.playLogs.mapValues { log in log.filter { outcome.stream == nil || $0.stream == stream } }
        var playback: [NodePlayback] = []
        for node in outcome.survivors {
            let result = Self.judge(node: node, records: records[node] ?? [], outcome: outcome)
            playback.append(result)
            checks.append(Check(subject: node, passed: Self.passes(result, outcome: outcome, tolerance: tolerance), detail: Self.describe(result, outcome: outcome, tolerance: tolerance)))
        }
        if let killed = outcome.killedLeader {
            let played = Set((records[killed] ?? []).map(\.fragment)).count
            checks.append(Check(subject: "\(killed) (killed)", passed: true, detail: "\(played) fragments played before it was killed"))
        }
        let analysis = PlayLogAnalysis(records: records.values.flatMap { $0 })
        skew = analysis.skewSummary
        checks.append(
            Check(
                subject: "skew", passed: true,
                detail: skew.map {
                    "p50 \(DemoFormat.milliseconds($0.p50)), p99 \(DemoFormat.milliseconds($0.p99)), max \(DemoFormat.milliseconds($0.max)) over \($0.count) fragments"
                } ?? "no fragment played by two nodes"))
        for node in outcome.nodes {
            guard let capture = outcome.captures[node] else { continue }
            let size = capture.seconds.map { String(format: "%.1f s", $0) } ?? "missing"
            checks.append(Check(subject: "wav \(node)", passed: true, detail: "\(capture.path) (\(size))"))
        }
        self.checks = checks
        self.playback = playback
    }

    /// The verdict as printed: `verdict: PASS|FAIL`, then one indented line per check (failed ones
    /// marked `✗`).
    public var lines: [String] {
        ["verdict: \(passed ? "PASS" : "FAIL")"]
            + checks.map { "  \($0.passed ? " " : "✗") \($0.subject.padded(to: 14)) \($0.detail)" }
    }

    private static func judge(node: String, records: [PlayLogRecord], outcome: DemoOutcome) -> NodePlayback {
        var counts: [Int: Int] = [:]
        for record in records { counts[record.fragment, default: 0] += 1 }
        let expected = outcome.expectedFragments ?? ((counts.keys.max() ?? -1) + 1)
        let gaps = PlayLogAnalysis(records: records).gaps
        var takeoverGap: PlayLogAnalysis.Gap?
        if let kill = outcome.committedAtKill {
            // The new leader commits from the first fragment the old one had not: the seam lies
            // between fragment kill − 1 and kill, give or take a fragment in flight.
            takeoverGap = gaps.filter { (kill - 2)...(kill + 1) ~= $0.afterFragment }.max { $0.gap.demoMagnitude < $1.gap.demoMagnitude }
        }
        let overlap = gaps.min { $0.gap < $1.gap }
        // The gaps cover every fragment after the first; a late start inside the first shows only here.
        let missedAtStart = records.min { $0.fragment < $1.fragment }.map {
            Duration.nanoseconds(($0.firstPlayedSample - $0.fragmentFirstSample) * 1_000_000_000 / Int64(max($0.sampleRate, 1)))
        } ?? .zero
        return NodePlayback(
            node: node, fragmentsPlayed: counts.count,
            missing: (0..<max(expected, 0)).filter { counts[$0] == nil },
            doubled: counts.filter { $0.value > 1 }.map(\.key).sorted(),
            takeoverGap: takeoverGap, largestGap: gaps.max { $0.gap < $1.gap },
            largestOverlap: overlap.flatMap { $0.gap < .zero ? $0 : nil }, missedAtStart: missedAtStart,
            driftCorrections: outcome.driftCorrections[node])
    }

    private static func passes(_ result: NodePlayback, outcome: DemoOutcome, tolerance: Duration) -> Bool {
        result.fragmentsPlayed > 0 && result.missing.isEmpty && result.doubled.isEmpty
            && (result.largestGap?.gap ?? .zero) <= tolerance
            && (result.largestOverlap?.gap ?? .zero) >= .zero - tolerance
            && result.missedAtStart <= tolerance
    }

    private static func describe(_ result: NodePlayback, outcome: DemoOutcome, tolerance: Duration) -> String {
        guard result.fragmentsPlayed > 0 else { return "played nothing (no play-log record of the stream)" }
        var parts: [String] = []
        let total = outcome.expectedFragments.map { " of \($0)" } ?? ""
        parts.append("\(result.fragmentsPlayed)\(total) fragments")
        if !result.missing.isEmpty { parts.append("missing \(list(result.missing))") }
        parts.append(result.doubled.isEmpty ? "none doubled" : "doubled \(list(result.doubled))")
        if let gap = result.takeoverGap {
            parts.append("gap at the takeover (#\(gap.afterFragment)→#\(gap.beforeFragment)) \(DemoFormat.milliseconds(gap.gap))")
        }
        if let gap = result.largestGap {
            parts.append("largest gap \(DemoFormat.milliseconds(gap.gap)) (#\(gap.afterFragment)→#\(gap.beforeFragment))")
        }
        if let overlap = result.largestOverlap, overlap.gap < .zero - tolerance {
            parts.append("overlap \(DemoFormat.milliseconds(overlap.gap)) (#\(overlap.afterFragment)→#\(overlap.beforeFragment))")
        }
        if result.missedAtStart > tolerance { parts.append("joined \(DemoFormat.milliseconds(result.missedAtStart)) late") }
        if let corrections = result.driftCorrections {
            parts.append(corrections == 0 ? "bit-exact (no drift correction)" : "\(corrections) single frames corrected for drift")
        }
        return parts.joined(separator: ", ")
    }

    private static func list(_ fragments: [Int]) -> String {
        let shown = fragments.prefix(8).map { "#\($0)" }.joined(separator: " ")
        return fragments.count > 8 ? shown + " …(\(fragments.count))" : shown
    }
}
