import Broadcast
import NIOConcurrencyHelpers

/// Fans out what the Raft loop publishes after each iteration to its subscribers (playback, clock sync,
/// `GET /v1/events`), and hands a new subscriber the state its first batch follows.
///
/// One lock guards the subscribers and the state; events are delivered *outside* it, on the publishing
/// thread (the Raft loop's), in publication order. A subscriber's handler runs there and must only enqueue:
/// it may resume a task whose cancellation handler is removing that very subscriber (taking the lock) at
/// that moment, so holding the lock while calling it could deadlock the two threads.
///
/// Exactly-once: state and subscriber list are read under one lock in ``publish(_:catalogue:leader:term:)``
/// and ``addSubscriber(_:)``, so a subscriber registered before a publication got the state before it and
/// gets its events; one registered after got the state after them and does not. A subscriber removed while
/// a batch is being delivered may get that last batch.
public final class NodeEventHub: Sendable {
    private struct State {
        var catalogue: Catalogue
        var leader: String?
        var term: UInt64
        var subscribers: [UInt64: @Sendable ([NodeEvent]) -> Void] = [:]
        var nextToken: UInt64 = 0
    }

    private let state: NIOLockedValueBox<State>

    /// A hub whose first subscribers start from `catalogue`, `leader` and `term`.
    public init(catalogue: Catalogue, leader: String?, term: UInt64) {
        state = NIOLockedValueBox(State(catalogue: catalogue, leader: leader, term: term))
    }

    /// Registers `handler` for every later batch and returns, atomically, the state it follows and the
    /// token for ``removeSubscriber(_:)``.
    public func addSubscriber(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (
        token: UInt64, catalogue: Catalogue, leader: String?, term: UInt64
    ) {
        state.withLockedValue { s in
            s.nextToken += 1
            s.subscribers[s.nextToken] = handler
            return (s.nextToken, s.catalogue, s.leader, s.term)
        }
    }

    /// Stops calling the subscriber registered with `token`.
    public func removeSubscriber(_ token: UInt64) {
        _ = state.withLockedValue { $0.subscribers.removeValue(forKey: token) }
    }

    /// The catalogue as of the last publication.
    public var catalogue: Catalogue { state.withLockedValue { $0.catalogue } }

    /// For the publishing thread only: records the state after `events` and delivers them (when there are any)
    /// to every subscriber, outside the lock.
    public func publish(_ events: [NodeEvent], catalogue: Catalogue, leader: String?, term: UInt64) {
        let subscribers = state.withLockedValue { s in
            s.catalogue = catalogue
            s.leader = leader
            s.term = term
            return events.isEmpty ? [] : Array(s.subscribers.values)
        }
        for subscriber in subscribers { subscriber(events) }
    }
}
