import Audio
import Broadcast

/// A machine's raw monotonic clock as a function of true (simulated) time:
/// `local(τ) = offset + τ · (1 + ppm · 10⁻⁶)`.
struct RawClock {
    var offset: Duration
    var ppm: Double

    func local(at trueTime: Duration) -> Duration {
        let ns = trueTime.nanosecondsDouble * (1 + ppm * 1e-6)
        return offset + .nanoseconds(Int64(ns.rounded()))
    }

    func trueTime(atLocal local: Duration) -> Duration {
        .nanoseconds(Int64(((local - offset).nanosecondsDouble / (1 + ppm * 1e-6)).rounded()))
    }
}

/// One-way network delays: uniform in `minimum...maximum`, plus `extraInbound` on the way back
/// (asymmetry), plus with probability `spikeProbability` a queueing spike in `spike`.
struct DelayModel {
    var minimum: Duration = .microseconds(100)
    var maximum: Duration = .milliseconds(2)
    var extraInbound: Duration = .zero
    var spikeProbability = 0.0
    var spike: ClosedRange<Double> = 0.020...0.050

    func delay(inbound: Bool, using random: inout SeededGenerator) -> Duration {
        let low = minimum.nanosecondsDouble
        let high = maximum.nanosecondsDouble
        var ns = Double.random(in: low...high, using: &random)
        if inbound { ns += extraInbound.nanosecondsDouble }
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
struct ClockSyncSimulation {
    struct Node {
        var raw: RawClock
        var sync = ClockSyncClient()
        var delays = DelayModel()
        var clock: ClusterClock { sync.clock }
    }

    private struct InFlight {
        var arrival: Duration
        var node: Int
        var server: Int
        var response: ClockSyncResponse
    }

    var nodes: [Node]
    private(set) var leader: Int
    let truth = ManualClock()
    var random: SeededGenerator
    /// Server turnaround between receiving a probe and answering.
    var turnaround: Duration = .microseconds(50)
    private var inFlight: [InFlight] = []

    static func name(_ index: Int) -> String { "n\(index)" }

    init(raws: [RawClock], leader: Int, seed: UInt64) {
        nodes = raws.map { Node(raw: $0) }
        self.leader = leader
        random = SeededGenerator(seed: seed)
        announceLeader()
    }

    /// Local time of node `index` now.
    func local(_ index: Int) -> Duration { nodes[index].raw.local(at: truth.now) }

    /// Cluster time as node `index` sees it now.
    func clusterTime(_ index: Int) -> ClusterTime? { nodes[index].clock.clusterTime(at: local(index)) }

    /// Node `newLeader` takes over; every node hears of it at once.
    mutating func changeLeader(to newLeader: Int) {
        leader = newLeader
        announceLeader()
    }

    private mutating func announceLeader() {
        for index in nodes.indices {
            nodes[index].sync.leaderChanged(to: Self.name(leader), isSelf: index == leader, at: local(index))
        }
    }

    /// Advances true time to `end` in steps of `tick`, sending due probes and delivering answers;
    /// `observe` runs after every step.
    mutating func run(until end: Duration, tick: Duration = .milliseconds(5), observe: (Self) -> Void = { _ in }) {
        while truth.now < end {
            truth.advance(by: tick)
            let now = truth.now
            for index in nodes.indices {
                guard let (serverName, probe) = nodes[index].sync.probeIfDue(at: local(index)) else { continue }
                guard let server = nodes.indices.first(where: { Self.name($0) == serverName }) else { continue }
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
                nodes[message.node].sync.receive(
                    message.response, from: Self.name(message.server), at: nodes[message.node].raw.local(at: message.arrival))
            }
            observe(self)
        }
    }
}

extension Duration {
    var nanosecondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    var milliseconds: Double { nanosecondsDouble / 1e6 }
}
