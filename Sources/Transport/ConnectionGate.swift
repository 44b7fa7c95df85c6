import NIOConcurrencyHelpers
import NIOCore

/// A listener's cap on connections (a ``ConnectionAdmission`` over ``ConnectionSource``s), shared by
/// whoever accepts connections and the handlers of the accepted ones, on any event loop.
///
/// The raft listener counts a connection from its accept until its handshake completes
/// (``ServerConnectionHandler`` calls ``release(_:)``); the HTTP API counts every connection and marks
/// it evictable while it waits for a request head. A connection is released when it closes; an
/// evicted one is closed by the gate.
public final class ConnectionGate: Sendable {
    /// What a new connection gets.
    public typealias Decision = ConnectionAdmission<ConnectionSource>.Decision

    /// Connections counted now, refused and evicted since the gate was made.
    public struct Counters: Sendable, Hashable {
        /// Connections counted now.
        public var open: Int
        /// Connections refused (closed on accept).
        public var refused: UInt64
        /// Connections closed to make room for a newer one.
        public var evicted: UInt64
    }

    private typealias ID = ConnectionAdmission<ConnectionSource>.ID

    private struct State {
        var admission: ConnectionAdmission<ConnectionSource>
        var ids: [ObjectIdentifier: ID] = [:]
        var channels: [ID: any Channel] = [:]
        var refused: UInt64 = 0
        var evicted: UInt64 = 0
    }

    private let state: NIOLockedValueBox<State>

    /// A gate counting at most `maxTotal` connections, at most `maxPerSource` from one source (nil: no cap
    /// per source).
    public init(maxTotal: Int, maxPerSource: Int?) {
        state = NIOLockedValueBox(State(admission: ConnectionAdmission(maxTotal: maxTotal, maxPerSource: maxPerSource)))
    }

    /// Decides on `channel`, just accepted; an admitted one starts evictable and counts until it closes
    /// or is released; the evicted one, if any, is closed here. A refused one is the caller's to close.
    public func admit(_ channel: any Channel) -> Decision {
        let source = ConnectionSource(channel.remoteAddress)
        let key = ObjectIdentifier(channel)
        let (decision, victim) = state.withLockedValue { s -> (Decision, (any Channel)?) in
            let decision = s.admission.admit(from: source)
            var victim: (any Channel)?
            switch decision {
            case .admitted(let id):
                s.ids[key] = id
                s.channels[id] = channel
            case .admittedEvicting(let id, let victimID):
                s.ids[key] = id
                s.channels[id] = channel
                victim = s.channels.removeValue(forKey: victimID)
                if let victim { s.ids[ObjectIdentifier(victim)] = nil }
                s.evicted += 1
            case .refused:
                s.refused += 1
            }
            return (decision, victim)
        }
        if case .refused = decision { return decision }
        channel.closeFuture.whenComplete { [self] _ in release(channel) }
        victim?.close(promise: nil)
        return decision
    }

    /// Marks `channel` busy (false: it cannot be evicted) or evictable again (true).
    public func setEvictable(_ channel: any Channel, _ evictable: Bool) {
        let key = ObjectIdentifier(channel)
        state.withLockedValue { s in
            guard let id = s.ids[key] else { return }
            s.admission.setEvictable(id, evictable)
        }
    }

    /// `channel` no longer counts (a raft peer authenticated, or the connection closed). Harmless when
    /// it does not count.
    public func release(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        state.withLockedValue { s in
            guard let id = s.ids.removeValue(forKey: key) else { return }
            s.channels[id] = nil
            s.admission.release(id)
        }
    }

    /// The counts now.
    public var counters: Counters {
        state.withLockedValue { Counters(open: $0.admission.count, refused: $0.refused, evicted: $0.evicted) }
    }
}
