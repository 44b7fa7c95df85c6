import Synchronization

/// A clock that moves only when told to: ``sleep(until:)`` jumps straight to the deadline (and
/// records it), ``advance(by:)`` moves it forward. For deterministic tests of pacing.
public final class ManualClock: MonotonicClock {
    private struct State {
        var now: Duration
        var sleeps: [Duration] = []
    }

    private let state: Mutex<State>

    /// A clock that reads `start`.
    public init(start: Duration = .zero) {
        state = Mutex(State(now: start))
    }

    /// The current time.
    public var now: Duration { state.withLock { $0.now } }

    /// Every deadline passed to ``sleep(until:)`` that lay in the future, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// Jumps to `deadline` if it lies ahead; returns at once.
    public func sleep(until deadline: Duration) {
        state.withLock {
            if deadline > $0.now {
                $0.now = deadline
                $0.sleeps.append(deadline)
            }
        }
    }

    /// Moves the clock forward by `interval` (negative intervals are ignored: it is monotonic).
    public func advance(by interval: Duration) {
        state.withLock { $0.now += max(interval, .zero) }
    }
}
