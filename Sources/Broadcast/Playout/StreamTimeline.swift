/// Where one stream lies on the cluster timeline: sample `s` is heard at
/// `start + s / sampleRate`. Pure integer arithmetic in 128 bits, exact for any stream length; results
/// beyond the ends of `Int64` are clamped to them (never a trap, whatever a replicated entry says).
///
/// Sample `s` occupies `[clusterTime(ofSample: s), clusterTime(ofSample: s + 1))`; the bounds are
/// rounded up to whole nanoseconds, so `sample(at: clusterTime(ofSample: s)) == s` for every `s`.
/// ```swift
/// let timeline = StreamTimeline(start: leaderNow + .milliseconds(500), sampleRate: 48_000)
/// timeline.clusterTime(ofSample: 96_000)        // start + 2 s
/// timeline.sample(at: clusterNow)               // the sample playing now (a mid-stream join starts here)
/// ```
public struct StreamTimeline: Hashable, Sendable, Codable {
    /// The cluster time at which sample 0 is heard.
    public var start: ClusterTime
    /// Samples (frames) per second.
    public var sampleRate: Int

    /// A timeline whose sample 0 is heard at `start`.
    public init(start: ClusterTime, sampleRate: Int) {
        precondition(sampleRate > 0, "StreamTimeline: sample rate must be positive")
        self.start = start
        self.sampleRate = sampleRate
    }

    /// The first nanosecond at which sample `sample` is heard (may be before ``start`` for negative samples).
    public func clusterTime(ofSample sample: Int64) -> ClusterTime {
        ClusterTime(nanoseconds: start.nanoseconds.saturatingAdding(Self.nanoseconds(ofSamples: sample, rate: Int64(sampleRate))))
    }

    /// The sample being heard at `time` (negative before the start).
    public func sample(at time: ClusterTime) -> Int64 {
        let elapsed = Int128(time.nanoseconds) - Int128(start.nanoseconds)
        return Int64(clamping: floorDivMod(elapsed * Int128(sampleRate), 1_000_000_000).quotient)
    }

    /// The sample whose start is nearest to `time`: where a player that joins at `time` begins.
    public func nearestSample(at time: ClusterTime) -> Int64 {
        let elapsed = Int128(time.nanoseconds) - Int128(start.nanoseconds)
        return Int64(clamping: floorDivMod(elapsed * Int128(sampleRate) + 500_000_000, 1_000_000_000).quotient)
    }

    /// How long `samples` samples last, rounded up to whole nanoseconds.
    public func duration(ofSamples samples: Int64) -> Duration {
        .nanoseconds(Self.nanoseconds(ofSamples: samples, rate: Int64(sampleRate)))
    }

    /// The exact number of samples in `duration`, as a fraction (positive or negative).
    public func samples(in duration: Duration) -> Double {
        duration.nanosecondsValue * Double(sampleRate) / 1e9
    }

    /// ceil(samples × 10⁹ / rate) without overflow (clamped to `Int64`: about ±292 years).
    static func nanoseconds(ofSamples samples: Int64, rate: Int64) -> Int64 {
        Int64(clamping: -floorDivMod(-Int128(samples) * 1_000_000_000, Int128(max(rate, 1))).quotient)
    }
}
