import NIOConcurrencyHelpers

/// How many long-lived responses (`GET /v1/events`) may run at once. They keep their connection busy
/// (never evictable), so without a budget of their own they could take every HTTP connection.
final class HTTPStreamBudget: Sendable {
    /// Most at once.
    let limit: Int
    private let inUse = NIOLockedValueBox(0)

    init(limit: Int) { self.limit = max(0, limit) }

    /// Takes one; false when all are in use.
    func take() -> Bool {
        inUse.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Gives one back.
    func give() {
        inUse.withLockedValue { $0 = max(0, $0 - 1) }
    }
}
