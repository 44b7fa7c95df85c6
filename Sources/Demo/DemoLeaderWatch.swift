/// Follows who leads from the demo's polls, and times the takeover after the leader is killed.
///
/// A leader counts once a majority of the whole cluster (itself included) report it as leader in
/// the same term: one node claiming to lead, or an old leader not yet told, is not enough. After
/// ``leaderKilled(at:)`` the first such leader in a later term is the new one, and the time from
/// the kill to the poll that saw it is ``timeToNewLeader`` (its resolution is the poll interval).
///
/// ```swift
/// var watch = DemoLeaderWatch(clusterSize: 3)
/// events += watch.observe(samples, at: elapsed)     // every poll
/// let victim = watch.leader                          // then SIGKILL it…
/// events += watch.leaderKilled(at: elapsed)
/// ```
public struct DemoLeaderWatch: Sendable, Hashable {
    /// A leader and its term.
    public struct Leadership: Sendable, Hashable {
        /// The leader's id.
        public var id: String
        /// Its term.
        public var term: UInt64

        /// `id` leading in `term`.
        public init(id: String, term: UInt64) {
            self.id = id
            self.term = term
        }
    }

    /// The number of members of the cluster.
    public let clusterSize: Int
    /// The current leader, as a majority reports it.
    public private(set) var leader: Leadership?
    /// The leader that was killed.
    public private(set) var killedLeader: Leadership?
    /// When it was killed.
    public private(set) var killedAt: Duration?
    /// The leader elected after the kill.
    public private(set) var successor: Leadership?
    /// From the kill to the first poll that saw the successor.
    public private(set) var timeToNewLeader: Duration?

    /// A watch over a cluster of `clusterSize` members.
    public init(clusterSize: Int) {
        self.clusterSize = clusterSize
    }

    /// Takes one poll of every node; returns what changed.
    public mutating func observe(_ samples: [DemoNodeSample], at time: Duration) -> [DemoEvent] {
        guard let current = Self.majorityLeader(samples, clusterSize: clusterSize), current != leader else { return [] }
        if let previous = leader, current.term < previous.term { return [] }
        leader = current
        guard let killedLeader else {
            return [DemoEvent(at: time, text: "leader \(current.id) (term \(current.term))")]
        }
        guard let killedAt, successor == nil, current.term > killedLeader.term, current.id != killedLeader.id else {
            return [DemoEvent(at: time, text: "leader \(current.id) (term \(current.term))")]
        }
        successor = current
        timeToNewLeader = time - killedAt
        return [
            DemoEvent(
                at: time,
                text: "new leader \(current.id) (term \(current.term)), \(DemoFormat.wholeMilliseconds(time - killedAt)) after \(killedLeader.id) was killed")
        ]
    }

    /// Records that the current leader was SIGKILLed at `time`; returns the event (none when no
    /// leader was known).
    public mutating func leaderKilled(at time: Duration) -> [DemoEvent] {
        guard let leader, killedLeader == nil else { return [] }
        killedLeader = leader
        killedAt = time
        return [DemoEvent(at: time, text: "SIGKILL \(leader.id), the leader (term \(leader.term))")]
    }

    /// The leader a majority of the cluster agrees on: a node that reports itself as leader, in a
    /// term in which at least `clusterSize / 2 + 1` nodes name it leader.
    static func majorityLeader(_ samples: [DemoNodeSample], clusterSize: Int) -> Leadership? {
        let reports = samples.compactMap { $0.process == .running ? $0.cluster : nil }
        let claims = reports.filter { $0.role == "leader" }.map { Leadership(id: $0.id, term: $0.term) }
        let quorum = clusterSize / 2 + 1
        return claims.sorted { $0.term > $1.term }.first { claim in
            reports.filter { $0.leader == claim.id && $0.term == claim.term }.count >= quorum
        }
    }
}
