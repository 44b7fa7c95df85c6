/// A clock that never goes backwards, and a way to wait for it, injected into timing logic so tests
/// run on a ``ManualClock`` without real sleeping.
///
/// Times are ``Duration``s since the clock's own epoch (for ``SystemMonotonicClock``: boot, from
/// CLOCK_MONOTONIC). Issue 7's cluster clock maps cluster time onto this timeline.
public protocol MonotonicClock: Sendable {
    /// The current time since the clock's epoch.
    var now: Duration { get }
    /// Returns once ``now`` has reached `deadline` (at once if it already has).
    func sleep(until deadline: Duration)
}
