/// What several nodes' play logs say about synchronisation: per fragment, how far apart the nodes
/// played it (inter-node skew); per node, the audible gap between consecutive fragments.
///
/// - **Skew** of a fragment: the spread (latest − earliest) of the nodes'
///   ``PlayLogRecord/nominalStartNanoseconds`` — when each node played, or would have played, the
///   fragment's first sample, on its own estimate of cluster time. Fragments logged by one node only
///   have none.
/// - **Gap** between consecutive records `a`, `b` of one node and stream:
///   `b.heardAt − a.nominalEnd`, where `a.nominalEnd` is when the sample after `a`'s last would be
///   heard. 0 when `b` follows on schedule; the length of the hole when `b` started late (a stall)
///   or fragments between them were never played; negative for an overlap.
///
/// ```swift
/// let analysis = PlayLogAnalysis(records: try nodes.flatMap { try PlayLog.read(path: $0) })
/// analysis.skewSummary        // p50 / p99 / max inter-node skew
/// analysis.largestGap         // e.g. the audible gap at a failover
/// ```
public struct PlayLogAnalysis: Sendable {
    /// One fragment's spread across nodes.
    public struct FragmentSkew: Hashable, Sendable {
        /// The stream.
        public var stream: StreamID
        /// The fragment's index.
        public var fragment: Int
        /// Nodes that logged it.
        public var nodes: Int
        /// Latest minus earliest nominal start.
        public var skew: Duration
        /// The node that played it first.
        public var earliestNode: String
        /// The node that played it last.
        public var latestNode: String
    }

    /// The audible gap between two consecutive fragments played by one node.
    public struct Gap: Hashable, Sendable {
        /// The node.
        public var node: String
        /// The stream.
        public var stream: StreamID
        /// The fragment played before the gap.
        public var afterFragment: Int
        /// The fragment played after the gap.
        public var beforeFragment: Int
        /// The gap (negative: overlap).
        public var gap: Duration
        /// Cluster time at which the gap began (the earlier fragment's nominal end).
        public var at: ClusterTime
    }

    /// Percentiles of a set of durations (nearest rank).
    public struct Summary: Hashable, Sendable {
        /// How many values.
        public var count: Int
        /// Median.
        public var p50: Duration
        /// 99th percentile.
        public var p99: Duration
        /// Largest.
        public var max: Duration

        /// The summary of `values`; nil when there are none.
        public init?(_ values: [Duration]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            func rank(_ fraction: Double) -> Duration {
                sorted[Swift.max(Int((fraction * Double(sorted.count)).rounded(.up)) - 1, 0)]
            }
            count = sorted.count
            p50 = rank(0.5)
            p99 = rank(0.99)
            max = sorted[sorted.count - 1]
        }
    }

    /// Every fragment logged by two or more nodes, by stream and fragment.
    public let skews: [FragmentSkew]
    /// Every gap between consecutive fragments of each node, by node, stream and fragment.
    public let gaps: [Gap]

    /// Analyses records from any number of nodes, each node's in its log's order (a node that logged
    /// a fragment twice, e.g. after a restart, counts its first record).
    public init(records: [PlayLogRecord]) {
        struct Key: Hashable, Comparable {
            var stream: StreamID
            var fragment: Int
            static func < (a: Key, b: Key) -> Bool { (a.stream, a.fragment) < (b.stream, b.fragment) }
        }
        var byNode: [String: [Key: PlayLogRecord]] = [:]
        for record in records where byNode[record.node]?[Key(stream: record.stream, fragment: record.fragment)] == nil {
            byNode[record.node, default: [:]][Key(stream: record.stream, fragment: record.fragment)] = record
        }
        var byFragment: [Key: [PlayLogRecord]] = [:]
        var gaps: [Gap] = []
        for node in byNode.keys.sorted() {
            let ordered = byNode[node, default: [:]].sorted { $0.key < $1.key }.map(\.value)
            for record in ordered {
                byFragment[Key(stream: record.stream, fragment: record.fragment), default: []].append(record)
            }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) where earlier.stream == later.stream {
                let end = earlier.nominalEndNanoseconds
                gaps.append(
                    Gap(
                        node: node, stream: later.stream, afterFragment: earlier.fragment, beforeFragment: later.fragment,
                        gap: .nanoseconds(rounding: Double(later.heardAtNanoseconds) - end),
                        at: ClusterTime(nanoseconds: Int64(saturating: end.rounded()))))
            }
        }
        self.gaps = gaps
        skews = byFragment.keys.sorted().compactMap { key in
            let played = byFragment[key, default: []]
            guard played.count >= 2,
                let earliest = played.min(by: { $0.nominalStartNanoseconds < $1.nominalStartNanoseconds }),
                let latest = played.max(by: { $0.nominalStartNanoseconds < $1.nominalStartNanoseconds })
            else { return nil }
            let spread = latest.nominalStartNanoseconds - earliest.nominalStartNanoseconds
            return FragmentSkew(
                stream: key.stream, fragment: key.fragment, nodes: played.count,
                skew: .nanoseconds(rounding: spread), earliestNode: earliest.node, latestNode: latest.node)
        }
    }

    /// p50 / p99 / max of the per-fragment skews; nil when no fragment was logged by two nodes.
    public var skewSummary: Summary? { Summary(skews.map(\.skew)) }

    /// The largest gap; nil when no node logged two fragments.
    public var largestGap: Gap? { gaps.max { $0.gap < $1.gap } }

    /// The gaps of at least `threshold`.
    public func gaps(atLeast threshold: Duration) -> [Gap] { gaps.filter { $0.gap >= threshold } }
}
