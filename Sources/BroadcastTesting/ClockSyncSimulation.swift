import Audio
import Foundation
import Broadcast

/// A machine's raw monotonic clock as a function of true (simulated) time:
/// `local(τ) = offset + τ · (1 + ppm · 10⁻⁶)`.
public struct RawClock: Hashable, Sendable {
    /// The local reading at true time 0.
    public var offset: Duration
    /// How much faster than true time it runs, in ppm.
    public var ppm: Double

    /// A clock reading `offset` at true time 0, `ppm` fast.
    public init(offset: Duration, ppm: Double) {
        self.offset = offset
        self.ppm = ppm
    }

    /// The local reading at true time `trueTime`.
    public func local(at trueTime: Duration) -> Duration {
        let ns = trueTime.nanosecondsDouble * (1 + ppm * 1e-6)
        return offset + .nanoseconds(Int64(ns.rounded()))
    }

    /// The true time at which the clock reads `local`.
    public func trueTime(atLocal local: Duration) -> Duration {
        .nanoseconds(Int64(((local - offset).nanosecondsDouble / (1 + ppm * 1e-6)).rounded()))
    }
}

/// One-way network delays: uniform in `minimum...maximum`, plus `extraInbound` on the way back
/// (asymmetry), plus with probability `tailProbability` an exponentially distributed wait of mean `tailMean`
/// (each way on its own: a thread that was not running when the packet came, as on a loaded host's
/// loopback — the asymmetry differs from exchange to exchange), plus with probability `spikeProbability`
/// a queueing spike in `spike`.
public struct DelayModel: Hashable, Sendable {
    /// The shortest one-way delay.
    public var minimum: Duration
    /// The longest one-way delay (before asymmetry and spikes).
    public var maximum: Duration
    /// Added to every delay on the way back (asymmetry).
    public var extraInbound: Duration
    /// The probability that a packet is queued.
    public var spikeProbability: Double
    /// How long a queued packet waits, in seconds.
    public var spike: ClosedRange<Double>
    /// The probability that a packet waits for a thread (the exponential tail).
    public var tailProbability: Double
    /// The mean of that wait.
    public var tailMean: Duration

    /// Defaults: 0.1–2 ms each way, symmetric, no tail, no spikes; spikes of 20–50 ms when enabled.
    public init(
        minimum: Duration = .microseconds(100), maximum: Duration = .milliseconds(2), extraInbound: Duration = .zero,
        spikeProbability: Double = 0, spike: ClosedRange<Double> = 0.020...0.050, tailProbability: Double = 0,
        tailMean: Duration = .zero
    ) {
        self.tailProbability = tailProbability
        self.tailMean = tailMean
        self.minimum = minimum
        self.maximum = maximum
        self.extraInbound = extraInbound
        self.spikeProbability = spikeProbability
        self.spike = spike
    }

    /// One delay, drawn from `random`.
    public func delay(inbound: Bool, using random: inout SeededGenerator) -> Duration {
        let low = minimum.nanosecondsDouble
        let high = maximum.nanosecondsDouble
        var ns = Double.random(in: low...high, using: &random)
        if inbound { ns += extraInbound.nanosecondsDouble }
        if tailProbability > 0, Double.random(in: 0..<1, using: &random) < tailProbability {
            ns += -log(1 - Double.random(in: 0..<1, using: &random)) * tailMean.nanosecondsDouble
        }
        if spikeProbability > 0, Double.random(in: 0..<1, using: &random) < spikeProbability {
            ns += Double.random(in: spike, using: &random) * 1e9
        }
        return .nanoseconds(Int64(ns))
    }
}

/// Several nodes with different raw clocks exchanging clock-sync probes with the leader over a
/// simulated network, through each node's ``ClockSyncClient``, on a ``ManualClock`` of true time.
/// Messages in flight when the leader changes are still delivered (the clients must drop them).
/// Deterministic for a given seed.
public struct ClockSyncSimulation {
    /// One simulated machine.
    public struct Node {
        /// Its raw monotonic clock.
        public var raw: RawClock
        /// Its clock-sync state.
        public var sync = ClockSyncClient()
        /// The delays of its link to the leader.
        public var delays = DelayModel()
        /// Its cluster clock.
        public var clock: ClusterClock { sync.clock }
    }

    private struct InFlight {
        var arrival: Duration
        var node: Int
        var server: Int
        var response: ClockSyncResponse
    }

    /// The machines.
    public var nodes: [Node]
    /// The index of the leader.
    public private(set) var leader: Int
    /// True time.
    public let truth = ManualClock()
    /// The network's randomness.
    public var random: SeededGenerator
    /// Server turnaround between receiving a probe and answering.
    public var turnaround: Duration = .microseconds(50)
    /// Nodes that are down: they neither probe nor answer.
    public var down: Set<Int> = []
    /// Whether a new leader is told its peers (so that one without a timeline adopts it from them).
    public var tellsPeers = true
    /// Called with the node index and the sample whenever a node accepts a response (for comparing
    /// other filters on the same samples).
    public var onSample: ((Int, ClockSample) -> Void)?
    private var inFlight: [InFlight] = []

    /// The node id of node `index`: "n0", "n1", …
    public static func name(_ index: Int) -> String { "n\(index)" }

    /// Nodes with the given raw clocks; `leader` leads (and defines the timeline) from true time 0.
    public init(raws: [RawClock], leader: Int, seed: UInt64) {
        nodes = raws.map { Node(raw: $0) }
        self.leader = leader
        random = SeededGenerator(seed: seed)
        // The cluster's timeline begins here: the first leader defines it at once.
        tellsPeers = false
        announceLeader()
        tellsPeers = true
    }

    /// Local time of node `index` now.
    public func local(_ index: Int) -> Duration { nodes[index].raw.local(at: truth.now) }

    /// Cluster time as node `index` sees it now.
    public func clusterTime(_ index: Int) -> ClusterTime? { nodes[index].clock.clusterTime(at: local(index)) }

    /// Node `newLeader` takes over; every node hears of it at once.
    public mutating func changeLeader(to newLeader: Int) {
        leader = newLeader
        announceLeader()
    }

    private mutating func announceLeader() {
        for index in nodes.indices where !down.contains(index) {
            let peers = tellsPeers ? nodes.indices.filter { $0 != index }.map(Self.name) : []
            nodes[index].sync.leaderChanged(to: Self.name(leader), isSelf: index == leader, at: local(index), peers: peers)
        }
    }

    /// Advances true time to `end` in steps of `tick`, sending due probes and delivering answers;
    /// `observe` runs after every step.
    public mutating func run(until end: Duration, tick: Duration = .milliseconds(5), observe: (Self) -> Void = { _ in }) {
        while truth.now < end {
            truth.advance(by: tick)
            let now = truth.now
            for index in nodes.indices where !down.contains(index) {
                guard let (serverName, probe) = nodes[index].sync.probeIfDue(at: local(index)) else { continue }
                guard let server = nodes.indices.first(where: { Self.name($0) == serverName }), !down.contains(server)
                else { continue }
                let received = now + nodes[index].delays.delay(inbound: false, using: &random)
                let answered = received + turnaround
                let arrival = answered + nodes[index].delays.delay(inbound: true, using: &random)
                guard
                    let response = nodes[server].clock.answer(
                        probe, receivedAt: nodes[server].raw.local(at: received),
                        sentAt: nodes[server].raw.local(at: answered))
                else { continue }
                inFlight.append(InFlight(arrival: arrival, node: index, server: server, response: response))
            }
            let due = inFlight.filter { $0.arrival <= now }.sorted { $0.arrival < $1.arrival }
            inFlight.removeAll { $0.arrival <= now }
            for message in due {
                let arrival = nodes[message.node].raw.local(at: message.arrival)
                guard let update = nodes[message.node].sync.receive(message.response, from: Self.name(message.server), at: arrival),
                    update != .rejected
                else { continue }
                onSample?(message.node, ClockSample(response: message.response, receivedAt: arrival))
            }
            observe(self)
        }
    }
}

extension Duration {
    /// The duration in nanoseconds, as a floating-point number.
    public var nanosecondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// The duration in milliseconds, as a floating-point number.
    public var milliseconds: Double { nanosecondsDouble / 1e6 }
}
