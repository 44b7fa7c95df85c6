import Foundation

/// The inbox of a thread that owns state nobody else may touch (the Raft loop, the playback thread):
/// other threads ``post(_:)`` items and never block for long; the owner ``take(waitingFor:)``s them in
/// arrival order, in batches, sleeping until an item, a stop request or its own next deadline.
///
/// Life cycle: running → stop requested (``requestStop()``; ``take(waitingFor:)`` answers nil, posts
/// are refused) → closed (the owner takes the items nobody took with ``close()``) → finished (the owner
/// calls ``finish()`` as its thread exits, and every ``waitUntilFinished()`` returns).
///
/// Thread-safe: one condition variable guards everything; no callback runs under it.
public final class ThreadMailbox<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []  // guarded by `condition`, as is everything below
    private var stopRequested = false
    private var isFinished = false
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []

    /// An empty, running mailbox.
    public init() {}

    /// Queues `item` for the owner; false (the item is dropped) once a stop was requested.
    @discardableResult
    public func post(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopRequested && !isFinished else { return false }
        items.append(item)
        condition.signal()
        return true
    }

    /// Queues `batch` in order; false (nothing is queued) once a stop was requested.
    @discardableResult
    public func post(contentsOf batch: [Item]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopRequested && !isFinished else { return false }
        items.append(contentsOf: batch)
        condition.signal()
        return true
    }

    /// Asks the owner to stop: its next ``take(waitingFor:)`` answers nil at once.
    public func requestStop() {
        condition.lock()
        stopRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Whether a stop was requested.
    public var isStopRequested: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopRequested
    }

    /// For the owner: every item queued, waiting up to `timeout` while there is none (an empty batch when
    /// it passes); nil once a stop is requested (the items then stay for ``close()``).
    public func take(waitingFor timeout: Duration) -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty && !stopRequested && timeout > .zero {
            let (seconds, attoseconds) = timeout.components
            let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) * 1e-18)
            while items.isEmpty && !stopRequested && condition.wait(until: deadline) {}
        }
        if stopRequested { return nil }
        defer { items = [] }
        return items
    }

    /// For the owner, as it winds down: refuses every later post and returns the items nobody took (so that
    /// the owner can answer them).
    public func close() -> [Item] {
        condition.lock()
        defer { condition.unlock() }
        stopRequested = true
        defer { items = [] }
        return items
    }

    /// For the owner, as its thread exits (after ``close()`` when it answers leftovers): refuses every later
    /// post, drops what is queued and wakes every ``waitUntilFinished()``.
    public func finish() {
        condition.lock()
        isFinished = true
        stopRequested = true
        items = []
        let waiters = finishWaiters
        finishWaiters = []
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the owner called ``finish()``.
    public func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if isFinished {
                condition.unlock()
                continuation.resume()
            } else {
                finishWaiters.append(continuation)
                condition.unlock()
            }
        }
    }
}
