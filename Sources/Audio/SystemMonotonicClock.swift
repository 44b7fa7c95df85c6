import CProcessControl
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

    /// How late the kernel may end the calling thread's sleeps from now on (its timer slack; 50 µs by
    /// default, which lets it batch wake-ups). The playback thread sets 1 µs: it writes each chunk when
    /// it is due, and a sink that does not play in real time (ALSA's `file` plugin) hears it then.
    /// - Returns: false when the kernel refused (the default slack stays).
    @discardableResult
    public static func setTimerSlackOfThisThread(_ slack: Duration) -> Bool {
        let nanoseconds = max(1, slack.components.seconds * 1_000_000_000 + slack.components.attoseconds / 1_000_000_000)
        return raftcast_set_timer_slack(UInt(nanoseconds)) == 0
    }

    /// The calling thread's timer slack, as the kernel reports it (nil if it does not).
    public static var timerSlackOfThisThread: Duration? {
        let nanoseconds = raftcast_timer_slack()
        return nanoseconds >= 0 ? .nanoseconds(nanoseconds) : nil
    }
}
