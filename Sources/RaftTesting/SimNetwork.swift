import Raft

/// The simulated network between nodes `1 ... capacity`: per-link cuts (so
/// partitions can be symmetric, one-way or partial), and global loss,
/// duplication and delay settings. Random choices come from the
/// simulation's generator, passed in by the caller.
public struct SimNetwork: Sendable {
    /// Delivery settings applied to every message that crosses an open link.
    public struct Conditions: Sendable, Hashable {
        /// Probability that a message is lost.
        public var lossRate: Double
        /// Probability that a delivered message is delivered twice.
        public var duplicateRate: Double
        /// Ordinary one-way latency, in milliseconds of simulated time.
        public var minDelay: UInt64
        /// Upper bound of ordinary latency.
        public var maxDelay: UInt64
        /// Probability that a message takes the long path (which reorders it
        /// behind later messages). Messages on the ordinary path keep their
        /// order per link, as on a TCP connection.
        public var reorderRate: Double
        /// Upper bound of the long path's latency.
        public var maxReorderDelay: UInt64

        /// Conditions with the given rates (probabilities 0 ... 1) and delays (ms).
        public init(
            lossRate: Double = 0, duplicateRate: Double = 0, minDelay: UInt64 = 1, maxDelay: UInt64 = 5,
            reorderRate: Double = 0, maxReorderDelay: UInt64 = 200
        ) {
            self.lossRate = lossRate
            self.duplicateRate = duplicateRate
            self.minDelay = minDelay
            self.maxDelay = maxDelay
            self.reorderRate = reorderRate
            self.maxReorderDelay = maxReorderDelay
        }

        /// A reliable network with a few milliseconds of latency and no reordering.
        public static let reliable = Conditions()
        /// 10% loss, 2% duplication and 10% of messages delayed by up to 300 ms.
        public static let unreliable = Conditions(
            lossRate: 0.10, duplicateRate: 0.02, minDelay: 1, maxDelay: 20, reorderRate: 0.10, maxReorderDelay: 300)
    }

    /// What happens to one message.
    public enum Fate: Sendable, Hashable {
        /// Cut link: the sender's transport notices.
        case blocked
        /// Lost on the wire silently.
        case lost
        /// Delivered after each of the given delays (two for a duplicate).
        case delivered([UInt64])
    }

    /// Largest node id the network can address.
    public let capacity: Int
    /// Current conditions.
    public var conditions: Conditions
    /// `cut[from * (capacity + 1) + to]`: the link from → to drops everything.
    private var cut: [Bool]

    /// A network for node ids `1 ... capacity` with every link open.
    public init(capacity: Int, conditions: Conditions = .reliable) {
        self.capacity = capacity
        self.conditions = conditions
        self.cut = Array(repeating: false, count: (capacity + 1) * (capacity + 1))
    }

    @inline(__always) private func slot(_ from: NodeID, _ to: NodeID) -> Int? {
        guard from >= 1, to >= 1, from <= UInt64(capacity), to <= UInt64(capacity) else { return nil }
        return Int(from) * (capacity + 1) + Int(to)
    }

    /// True when messages from `from` to `to` currently get through the cut matrix.
    public func isOpen(from: NodeID, to: NodeID) -> Bool {
        guard let s = slot(from, to) else { return false }
        return !cut[s]
    }

    /// Cuts (or reopens) the one-way link from → to.
    public mutating func setLink(from: NodeID, to: NodeID, open: Bool) {
        guard let s = slot(from, to) else { return }
        cut[s] = !open
    }

    /// Cuts or reopens both directions between `a` and `b`.
    public mutating func setBidirectional(_ a: NodeID, _ b: NodeID, open: Bool) {
        setLink(from: a, to: b, open: open)
        setLink(from: b, to: a, open: open)
    }

    /// Splits the nodes into groups that only talk within themselves. Nodes
    /// not named in any group are cut off from everybody.
    public mutating func partition(_ groups: [[NodeID]]) {
        var group = Array(repeating: -1, count: capacity + 1)
        for (g, members) in groups.enumerated() {
            for m in members where m >= 1 && m <= UInt64(capacity) { group[Int(m)] = g }
        }
        for a in 1...capacity {
            for b in 1...capacity {
                let open = a == b || (group[a] >= 0 && group[a] == group[b])
                cut[a * (capacity + 1) + b] = !open
            }
        }
    }

    /// Cuts `node` off from every other node, both ways.
    public mutating func isolate(_ node: NodeID) {
        for other in 1...UInt64(capacity) where other != node {
            setBidirectional(node, other, open: false)
        }
    }

    /// Reopens every link (conditions are kept).
    public mutating func healLinks() {
        for i in cut.indices { cut[i] = false }
    }

    /// Decides the fate of a message from → to.
    public func fate(from: NodeID, to: NodeID, random: inout SimRandom) -> Fate {
        if !isOpen(from: from, to: to) { return .blocked }
        if random.chance(conditions.lossRate) { return .lost }
        var delays: [UInt64] = [delay(&random)]
        if random.chance(conditions.duplicateRate) { delays.append(delay(&random)) }
        return .delivered(delays)
    }

    private func delay(_ random: inout SimRandom) -> UInt64 {
        if random.chance(conditions.reorderRate) {
            return random.uint64(in: conditions.minDelay...max(conditions.minDelay, conditions.maxReorderDelay))
        }
        return random.uint64(in: conditions.minDelay...max(conditions.minDelay, conditions.maxDelay))
    }
}
