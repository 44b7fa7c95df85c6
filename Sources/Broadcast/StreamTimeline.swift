/// Where one stream lies on the cluster timeline: sample `s` is heard at
/// `start + s / sampleRate`. Pure integer arithmetic, exact for any stream length.
///
/// Sample `s` occupies `[clusterTime(ofSample: s), clusterTime(ofSample: s + 1))`; the bounds are
/// rounded up to whole nanoseconds, so `sample(at: clusterTime(ofSample: s)) == s` for every `s`.
/// ```swift
/// let timeline = StreamTimeline(start: leaderNow + .milliseconds(1500), sampleRate: 48_000)
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
        ClusterTime(nanoseconds: start.nanoseconds + Self.nanoseconds(ofSamples: sample, rate: Int64(sampleRate)))
    }

    /// The sample being heard at `time` (negative before the start).
    public func sample(at time: ClusterTime) -> Int64 {
        let (seconds, rest) = floorDivMod(time.nanoseconds - start.nanoseconds, 1_000_000_000)
        return seconds * Int64(sampleRate) + floorDivMod(rest * Int64(sampleRate), 1_000_000_000).quotient
    }

    /// The sample whose start is nearest to `time`: where a player that joins at `time` begins.
    public func nearestSample(at time: ClusterTime) -> Int64 {
        let (seconds, rest) = floorDivMod(time.nanoseconds - start.nanoseconds, 1_000_000_000)
        return seconds * Int64(sampleRate)
            + floorDivMod(rest * Int64(sampleRate) + 500_000_000, 1_000_000_000).quotient
    }

    /// How long `samples` samples last, rounded up to whole nanoseconds.
    public func duration(ofSamples samples: Int64) -> Duration {
        .nanoseconds(Self.nanoseconds(ofSamples: samples, rate: Int64(sampleRate)))
    }

    /// The exact number of samples in `duration`, as a fraction (positive or negative).
    public func samples(in duration: Duration) -> Double {
        duration.nanosecondsValue * Double(sampleRate) / 1e9
    }

    /// ceil(samples × 10⁹ / rate) without overflow.
    static func nanoseconds(ofSamples samples: Int64, rate: Int64) -> Int64 {
        let (seconds, rest) = floorDivMod(samples, rate)
        let (fraction, remainder) = floorDivMod(rest * 1_000_000_000, rate)
        return seconds * 1_000_000_000 + fraction + (remainder > 0 ? 1 : 0)
    }
}
