import Glibc

/// The machine's monotonic clock: clock_gettime(CLOCK_MONOTONIC), and clock_nanosleep with an
/// absolute deadline (so repeated sleeps do not accumulate error).
public struct SystemMonotonicClock: MonotonicClock {
    /// The system clock.
    public init() {}

    /// Time since boot (CLOCK_MONOTONIC).
    public var now: Duration {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }

    /// Sleeps until CLOCK_MONOTONIC reaches `deadline`, resuming after signals.
    public func sleep(until deadline: Duration) {
        let (seconds, attoseconds) = deadline.components
        guard seconds >= 0 else { return }
        var spec = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil) == EINTR {}
    }
}
