/// When the next clock-sync probe is due: a burst (every ``burstInterval`` until ``burstSamples``
/// samples were accepted since the last restart), then every ``steadyInterval``.
///
/// A pure function of the times it is given (the caller's injected monotonic clock). Restart it when
/// the server changes (a new leader), so the new filter fills quickly.
/// ```
///  restart ─┬─ 200 ms ─┬─ 200 ms ─ … (25 accepted samples) ─┬──── 1 s ────┬──── 1 s ──── …
///         probe      probe                                 probe         probe
/// ```
/// Lost probes do not count toward the burst, so a lossy start keeps probing quickly.
public struct ClockSyncSchedule: Hashable, Sendable {
    /// The interval between probes during the burst.
    public var burstInterval: Duration
    /// Accepted samples after which the burst ends.
    public var burstSamples: Int
    /// The interval between probes after the burst.
    public var steadyInterval: Duration
    /// When the last probe was sent; nil after a restart.
    public private(set) var lastProbe: Duration?
    /// Samples accepted since the last restart.
    public private(set) var samplesSinceRestart = 0

    /// A schedule that probes at once; defaults: 200 ms × 25 samples (5 s), then 1 s. The long burst
    /// pins the drift early: with 0.1–2 ms jitter the worst error after 5 s goes from about 1.1 ms
    /// (a burst of 10) to about 0.8 ms (docs/playback-sync.md, BENCHMARKS.md).
    public init(
        burstInterval: Duration = .milliseconds(200), burstSamples: Int = 25, steadyInterval: Duration = .seconds(1)
    ) {
        self.burstInterval = burstInterval
        self.burstSamples = burstSamples
        self.steadyInterval = steadyInterval
    }

    /// Whether the schedule is still in its burst.
    public var isBursting: Bool { samplesSinceRestart < burstSamples }

    /// When the next probe is due; nil means at once.
    public var nextProbe: Duration? {
        lastProbe.map { $0 + (isBursting ? burstInterval : steadyInterval) }
    }

    /// Whether a probe is due at `now`.
    public func isDue(at now: Duration) -> Bool {
        nextProbe.map { now >= $0 } ?? true
    }

    /// Records that a probe was sent at `now`.
    public mutating func probeSent(at now: Duration) {
        lastProbe = now
    }

    /// Records that a response was accepted as a sample.
    public mutating func sampleAccepted() {
        samplesSinceRestart += 1
    }

    /// Starts over with a burst and an immediate probe (the server changed).
    public mutating func restart() {
        lastProbe = nil
        samplesSinceRestart = 0
    }
}
