import Dispatch
import Synchronization

/// A sleep that another thread can cut short: ``sleep(for:)`` returns once the duration has passed, at a
/// ``signal()``, or when the sleeping task is cancelled, whichever comes first. A signal while nobody sleeps
/// is kept for the next sleep (one at most), so a signal is never lost between two sleeps.
///
/// For a service loop that waits long (clock sync: until its next probe, up to a second) but must react at
/// once to a change another thread reports (a new leader). One sleeper at a time; `signal()` from any thread.
final class AsyncWakeup: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Void, Never>?
        /// Which sleep the waiter belongs to: a timer of an earlier sleep finds another number and does nothing.
        var generation: UInt64 = 0
        var pending = false
    }

    private let state = Mutex(State())

    /// A wakeup with no signal pending.
    init() {}

    /// Ends the current sleep now, or the next one at once if nobody sleeps.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Sleeps for `delay`, less if signalled or cancelled (a pending signal returns at once and is consumed).
    func sleep(for delay: Duration) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let generation = state.withLock { state -> UInt64? in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return nil
                    }
                    state.generation &+= 1
                    state.waiter = continuation
                    return state.generation
                }
                guard let generation else {
                    continuation.resume()
                    return
                }
                let (seconds, attoseconds) = max(delay, .zero).components
                let nanoseconds = min(seconds, 86_400) * 1_000_000_000 + attoseconds / 1_000_000_000
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
                    wake(generation)
                }
            }
        } onCancel: {
            wake(nil)
        }
    }

    /// Resumes the sleeper of sleep `generation` (nil: whichever sleeps).
    private func wake(_ generation: UInt64?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, generation == nil || generation == state.generation else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
