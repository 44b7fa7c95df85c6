/// Which connections a listener keeps, as a value-type state machine: a cap on connections in total,
/// an optional cap per source, and eviction when the total is reached.
///
/// A connection is *evictable* while it has proven nothing (a raft connection before its handshake, an
/// HTTP connection waiting for a request head) and *busy* otherwise. When the total cap is reached, a
/// new connection evicts the evictable connection that has waited longest among those of the source
/// holding the most evictable connections (fair share) — but only when that source would still hold
/// more than the newcomer's source afterwards; otherwise the newcomer is refused. So a flood from a few
/// addresses does not churn its own connections (its newcomers are refused, cheaply, on accept), a
/// connection from a quiet address always gets in, and an address holding a single waiting connection
/// is never evicted. The cap per source is checked first and refuses (it never evicts), so one address
/// can never take more than its share of the total.
///
/// ```
///  admit(source) ──▶ source at maxPerSource? ──yes──▶ refused(.sourceFull)
///                          │ no
///                    total at maxTotal? ──no──▶ admitted(id)                (evictable)
///                          │ yes
///                    heaviest source holds > newcomer's + 1 evictable? ──no──▶ refused(.full)
///                          │ yes
///                    admittedEvicting(id, victim: oldest of the heaviest source)
///  setEvictable(id, false/true)    busy ⇄ evictable (evictable again: the wait starts anew)
///  release(id)                     closed, or no longer counted (a raft peer authenticated)
/// ```
public struct ConnectionAdmission<Source: Hashable & Sendable>: Sendable {
    /// A connection's number, unique for the life of the state machine.
    public typealias ID = UInt64

    /// What to do with a new connection.
    public enum Decision: Hashable, Sendable {
        /// Keep it.
        case admitted(ID)
        /// Keep it and close `victim`, which no longer counts.
        case admittedEvicting(ID, victim: ID)
        /// Close it at once.
        case refused(Refusal)
    }

    /// Why a new connection is refused.
    public enum Refusal: Hashable, Sendable, CustomStringConvertible {
        /// Its source holds ``ConnectionAdmission/maxPerSource`` connections already.
        case sourceFull
        /// ``ConnectionAdmission/maxTotal`` connections are open and none may be evicted for this one.
        case full

        public var description: String {
            switch self {
            case .sourceFull: "too many connections from this address"
            case .full: "too many connections"
            }
        }
    }

    private struct Connection: Sendable {
        var source: Source
        /// When evictable: the order in which it became evictable (smaller waited longer).
        var waitingSince: UInt64?
    }

    /// Most connections counted at once.
    public let maxTotal: Int
    /// Most connections counted at once from one source (nil: no cap per source).
    public let maxPerSource: Int?

    private var nextID: ID = 1
    private var nextStamp: UInt64 = 1
    private var connections: [ID: Connection] = [:]
    private var countBySource: [Source: Int] = [:]
    /// Evictable connections of each source, longest waiting first.
    private var evictableBySource: [Source: [ID]] = [:]

    /// A state machine with no connection; caps below 1 count as 1.
    public init(maxTotal: Int, maxPerSource: Int? = nil) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerSource = maxPerSource.map { max(1, $0) }
    }

    /// Connections counted now.
    public var count: Int { connections.count }

    /// Connections counted now from `source`.
    public func count(from source: Source) -> Int { countBySource[source] ?? 0 }

    /// Evictable connections now.
    public var evictableCount: Int { evictableBySource.values.reduce(0) { $0 + $1.count } }

    /// Whether `id` is counted and evictable.
    public func isEvictable(_ id: ID) -> Bool { connections[id]?.waitingSince != nil }

    /// Decides on a new connection from `source`; an admitted one starts evictable.
    public mutating func admit(from source: Source) -> Decision {
        if let maxPerSource, count(from: source) >= maxPerSource { return .refused(.sourceFull) }
        var victim: ID?
        if connections.count >= maxTotal {
            guard let oldest = evictionVictim(for: source) else { return .refused(.full) }
            release(oldest)
            victim = oldest
        }
        let id = nextID
        nextID += 1
        connections[id] = Connection(source: source, waitingSince: nil)
        countBySource[source, default: 0] += 1
        setEvictable(id, true)
        return victim.map { .admittedEvicting(id, victim: $0) } ?? .admitted(id)
    }

    /// Marks `id` busy (false) or evictable (true); evictable again, it counts as the newest waiter.
    public mutating func setEvictable(_ id: ID, _ evictable: Bool) {
        guard var connection = connections[id], (connection.waitingSince != nil) != evictable else { return }
        if evictable {
            connection.waitingSince = nextStamp
            nextStamp += 1
            evictableBySource[connection.source, default: []].append(id)
        } else {
            connection.waitingSince = nil
            removeEvictable(id, of: connection.source)
        }
        connections[id] = connection
    }

    /// Stops counting `id`. Returns whether it was counted (releasing twice is harmless).
    @discardableResult
    public mutating func release(_ id: ID) -> Bool {
        guard let connection = connections.removeValue(forKey: id) else { return false }
        if connection.waitingSince != nil { removeEvictable(id, of: connection.source) }
        let remaining = (countBySource[connection.source] ?? 1) - 1
        countBySource[connection.source] = remaining > 0 ? remaining : nil
        return true
    }

    /// The connection a new one from `newcomer` would evict: the longest-waiting evictable connection of
    /// the source with the most evictable connections (ties: the source whose longest waiter waited
    /// longest), when that source holds more than one beyond what `newcomer` would hold; else nil.
    public func evictionVictim(for newcomer: Source) -> ID? {
        let newcomerCount = (evictableBySource[newcomer]?.count ?? 0) + 1
        var best: (count: Int, stamp: UInt64, id: ID)?
        for ids in evictableBySource.values {
            guard let first = ids.first, let stamp = connections[first]?.waitingSince else { continue }
            if let current = best, ids.count < current.count || (ids.count == current.count && stamp > current.stamp) {
                continue
            }
            best = (ids.count, stamp, first)
        }
        guard let best, best.count > newcomerCount else { return nil }
        return best.id
    }

    private mutating func removeEvictable(_ id: ID, of source: Source) {
        guard var ids = evictableBySource[source], let index = ids.firstIndex(of: id) else { return }
        ids.remove(at: index)
        evictableBySource[source] = ids.isEmpty ? nil : ids
    }
}
