import Broadcast
import Foundation
import NIOConcurrencyHelpers

/// The node's numbered server-sent events (`GET /v1/events`), so a page that reconnects resumes where it
/// was: each event gets the id `<epoch>-<n>`, `n` counting from 1 on this node and `epoch` 16 random hex
/// digits drawn when the journal starts (once per node process), so an id of another process or node is
/// never mistaken for one of these. The last ``capacity`` events are kept.
///
/// A connection with `Last-Event-ID` of this epoch, not older than what is kept, gets the events after it
/// first; with any other id (gone, another epoch, malformed) it gets `event: reset` (the page reloads its
/// state) and then the `leader` event; without one, the `leader` event. The journal subscribes to the
/// backend once; its listeners (the open connections) only enqueue.
///
/// Order: the backend publishes from one thread; the events of a batch are numbered and the listeners
/// read under the lock, and delivered outside it (like ``NodeEventHub``: a listener's stream may be ending
/// on another thread, removing it). A new listener gets its replay while registering, under the lock, so
/// every event reaches it once, in order.
final class EventJournal: Sendable {
    /// Events kept for replay.
    static let capacity = 1_000
    /// Longest `Last-Event-ID` looked at.
    static let maxIDLength = 64

    /// What a new connection sends first.
    enum Opening: Equatable {
        /// No `Last-Event-ID`: the current leader.
        case fresh
        /// The events after the id were replayed.
        case resumed(replayed: Int)
        /// The id is gone or unknown: `event: reset`, then the current leader.
        case reset
    }

    private struct State {
        var started = false
        var events: [(number: UInt64, event: ServerSentEvent)] = []
        /// The number the next event gets.
        var next: UInt64 = 1
        var leader: String?
        var term: UInt64 = 0
        var listeners: [UInt64: @Sendable (String) -> Void] = [:]
        var nextToken: UInt64 = 0
    }

    /// This journal's epoch: 16 hex digits.
    let epoch: String
    private let state = NIOLockedValueBox(State())

    init() {
        let value = UInt64.random(in: 0...UInt64.max)
        let hex = String(value, radix: 16)
        epoch = String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Subscribes to `backend` (once; later calls do nothing).
    func start(_ backend: any NodeBackend) {
        let first = state.withLockedValue { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        // The subscriber's handler may run before `addSubscriber` returns the state it follows: what it
        // records wins (it is later), so the initial leader is set only when no event came yet.
        let subscription = backend.addSubscriber { [weak self] events in self?.record(events) }
        state.withLockedValue { s in
            if s.next == 1 {
                s.leader = subscription.leader
                s.term = subscription.term
            }
        }
    }

    /// Numbers `events`' server-sent events, keeps them and delivers them to the listeners.
    func record(_ events: [NodeEvent]) {
        let sent = events.flatMap(NodeHTTPAPI.serverSentEvents)
        // Every leader change is an event too, so nothing to send is nothing to record.
        guard !sent.isEmpty else { return }
        let (text, listeners) = state.withLockedValue { s -> (String, [@Sendable (String) -> Void]) in
            for event in events {
                if case let .leaderChanged(leader, term, _) = event {
                    s.leader = leader
                    s.term = term
                }
            }
            var text = ""
            for event in sent {
                text += event.text(id: id(s.next))
                s.events.append((s.next, event))
                s.next += 1
            }
            if s.events.count > Self.capacity { s.events.removeFirst(s.events.count - Self.capacity) }
            return (text, Array(s.listeners.values))
        }
        guard !text.isEmpty else { return }
        for listener in listeners { listener(text) }
    }

    /// Registers `listener` for every later event and, under the same lock, hands `opening` what comes
    /// before (the replay, or the reset and leader events); returns the token for ``remove(_:)`` and what was
    /// sent.
    func add(lastEventID: String?, opening: (String) -> Void, listener: @escaping @Sendable (String) -> Void) -> (
        token: UInt64, opening: Opening
    ) {
        state.withLockedValue { s in
            let current = id(s.next - 1)
            let leader = NodeHTTPAPI.leaderEvent(leader: s.leader, term: s.term)
            let kind: Opening
            if let lastEventID {
                let oldestKept = s.events.first?.number ?? s.next
                if let n = number(in: lastEventID), n < s.next, n + 1 >= oldestKept {
                    let replay = s.events.filter { $0.number > n }
                    opening(replay.map { $0.event.text(id: id($0.number)) }.joined())
                    kind = .resumed(replayed: replay.count)
                } else {
                    let reset = ServerSentEvent(name: "reset", data: "{\"last_event_id\":\(Self.quoted(current))}")
                    opening(reset.text(id: current) + leader.text(id: nil))
                    kind = .reset
                }
            } else {
                opening(leader.text(id: current))
                kind = .fresh
            }
            s.nextToken += 1
            s.listeners[s.nextToken] = listener
            return (s.nextToken, kind)
        }
    }

    /// Stops delivering to the listener of `token`.
    func remove(_ token: UInt64) {
        _ = state.withLockedValue { $0.listeners.removeValue(forKey: token) }
    }

    /// The id of event `n` of this journal.
    func id(_ n: UInt64) -> String { "\(epoch)-\(n)" }

    /// `n` of an id of this journal's epoch; nil for another epoch or a malformed id.
    func number(in id: String) -> UInt64? {
        guard id.utf8.count <= Self.maxIDLength else { return nil }
        let parts = id.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == epoch, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(parts[1])
    }

    private static func quoted(_ text: String) -> String { "\"\(NodeHTTPAPI.jsonEscaped(text))\"" }
}
