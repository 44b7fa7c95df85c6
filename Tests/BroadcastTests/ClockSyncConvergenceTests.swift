import Audio
import Broadcast
import BroadcastTesting
import XCTest

/// Three nodes whose raw clocks differ by seconds and drift by up to ±100 ppm synchronise with the
/// leader over a jittery simulated network (seeded), on a manual clock of true time.
final class ClockSyncConvergenceTests: XCTestCase {
    /// Leader A, follower B (+3.7 s, −100 ppm against A's +40 ppm), follower C (−120 ms, +100 ppm).
    static let raws = [
        RawClock(offset: .seconds(500), ppm: 40),
        RawClock(offset: .seconds(503.7), ppm: -100),
        RawClock(offset: .seconds(499.88), ppm: 100),
    ]

    /// The relative drift of the leader's clock against node `index`'s, in ppm (what the filter fits).
    static func trueDrift(of index: Int, against leader: Int = 0) -> Double {
        ((1 + raws[leader].ppm * 1e-6) / (1 + raws[index].ppm * 1e-6) - 1) * 1e6
    }

    /// Error of node `index`'s cluster time against the original leader's timeline, in ms.
    static func error(_ simulation: ClockSyncSimulation, _ index: Int, reference: Int = 0) -> Double? {
        guard let time = simulation.clusterTime(index),
            let ideal = simulation.nodes[reference].clock.clusterTime(at: simulation.local(reference))
        else { return nil }
        return (time - ideal).milliseconds
    }

    /// Runs `simulation` until `end`, checking followers 1 and 2 against their reported bounds: per
    /// time in `from`, each follower's worst |error| (ms) from then on (`worst[i][node]`), and how often an
    /// |error| exceeded the bound.
    static func runFollowers(
        _ simulation: inout ClockSyncSimulation, until end: Duration, worstFrom from: [Duration]
    ) -> (worst: [[Double]], boundViolations: Int) {
        var worst = Array(repeating: [0.0, 0.0, 0.0], count: from.count)
        var boundViolations = 0
        simulation.run(until: end) { sim in
            for node in 1...2 {
                guard let error = Self.error(sim, node),
                    let bound = sim.nodes[node].clock.errorBound(at: sim.local(node))
                else { continue }
                if abs(error) > bound.milliseconds + 1e-6 { boundViolations += 1 }
                for (i, start) in from.enumerated() where sim.truth.now >= start {
                    worst[i][node] = max(worst[i][node], abs(error))
                }
            }
        }
        return (worst, boundViolations)
    }

    func testOffsetWithinOneMillisecondAfterFiveSecondsAndDriftWithinTenPPM() {
        for seed: UInt64 in [1, 2, 3] {
            var simulation = ClockSyncSimulation(raws: Self.raws, leader: 0, seed: seed)
            let (worst, boundViolations) = Self.runFollowers(&simulation, until: .seconds(60), worstFrom: [.seconds(5)])
            let worstAfterFive = worst[0]
            for node in 1...2 {
                XCTAssertLessThan(worstAfterFive[node], 1.0, "seed \(seed) node \(node): worst |error| ms after 5 s")
                let estimate = simulation.nodes[node].clock.filter.estimate
                XCTAssertEqual(estimate?.driftIsMeasured, true)
                XCTAssertEqual(estimate?.driftPPM ?? .nan, Self.trueDrift(of: node), accuracy: 10, "seed \(seed) node \(node)")
            }
            XCTAssertEqual(boundViolations, 0, "seed \(seed): |error| exceeded the reported bound")
            XCTAssertEqual(simulation.nodes[1].clock.stepCount + simulation.nodes[2].clock.stepCount, 0)
        }
    }

    func testNodesStartWithinTheBurst() {
        var simulation = ClockSyncSimulation(raws: Self.raws, leader: 0, seed: 9)
        var firstSynchronized: [Duration?] = [nil, nil, nil]
        simulation.run(until: .seconds(2)) { sim in
            for node in 1...2 where firstSynchronized[node] == nil && sim.clusterTime(node) != nil {
                firstSynchronized[node] = sim.truth.now
            }
        }
        for node in 1...2 {
            // Three samples at 200 ms intervals (the first at once), plus the network.
            XCTAssertLessThanOrEqual(try XCTUnwrap(firstSynchronized[node]), .milliseconds(420))
            XCTAssertLessThan(abs(try XCTUnwrap(Self.error(simulation, node))), 1.0)
        }
    }

    /// 0.6 ms more on the way back (a bias of 0.3 ms no exchange can see), and 10% of packets queued
    /// 20–50 ms: within 1.5 ms after 5 s, 1 ms after 20 s, and always within the reported bound.
    func testAsymmetryAndDelaySpikesStayWithinTheBound() {
        for seed: UInt64 in [42, 43] {
            var simulation = ClockSyncSimulation(raws: Self.raws, leader: 0, seed: seed)
            for node in 1...2 {
                simulation.nodes[node].delays = DelayModel(extraInbound: .microseconds(600), spikeProbability: 0.1)
            }
            let (worst, boundViolations) = Self.runFollowers(
                &simulation, until: .seconds(60), worstFrom: [.seconds(5), .seconds(20)])
            let worstAfterFive = worst[0].max() ?? 0
            let worstAfterTwenty = worst[1].max() ?? 0
            XCTAssertLessThan(worstAfterFive, 1.5, "seed \(seed): worst |error| ms after 5 s")
            XCTAssertLessThan(worstAfterTwenty, 1.0, "seed \(seed): worst |error| ms after 20 s")
            XCTAssertEqual(boundViolations, 0, "seed \(seed)")
            for node in 1...2 {
                XCTAssertEqual(
                    simulation.nodes[node].clock.filter.estimate?.driftPPM ?? .nan, Self.trueDrift(of: node),
                    accuracy: 10)
            }
        }
    }

    /// Loopback scale (issue 18): 20–40 µs each way, and 30 % of packets wait for a thread (exponential,
    /// mean 80 µs, each way on its own, so the asymmetry changes from exchange to exchange). The quickest
    /// exchanges weigh most: within 20 µs from 20 s on (the weights of `0.5 ms + delay / 2` left up to
    /// 50 µs over 200 seeds), within the bound throughout, drift within 1 ppm.
    func testLoopbackThreadWaitsStayWithinTwentyMicroseconds() {
        for seed: UInt64 in [1, 2, 3] {
            var simulation = ClockSyncSimulation(raws: Self.raws, leader: 0, seed: seed)
            for node in 1...2 {
                simulation.nodes[node].delays = DelayModel(
                    minimum: .microseconds(20), maximum: .microseconds(40), tailProbability: 0.3, tailMean: .microseconds(80))
            }
            let (worst, boundViolations) = Self.runFollowers(&simulation, until: .seconds(60), worstFrom: [.seconds(20)])
            let worstAfterTwenty = worst[0].max() ?? 0
            XCTAssertLessThan(worstAfterTwenty, 0.020, "seed \(seed): worst |error| ms after 20 s")
            XCTAssertEqual(boundViolations, 0, "seed \(seed)")
            for node in 1...2 {
                XCTAssertEqual(
                    simulation.nodes[node].clock.filter.estimate?.driftPPM ?? .nan, Self.trueDrift(of: node),
                    accuracy: 1)
            }
        }
    }

    /// A leaves at 60 s; B (whose raw clock is 3.7 s off A's) takes over. Cluster time as every node
    /// sees it stays on A's timeline within 2 ms, runs on without jumps, and C reconverges on B.
    func testLeaderChangeKeepsTheTimeline() {
        var simulation = ClockSyncSimulation(raws: Self.raws, leader: 0, seed: 7)
        simulation.run(until: .seconds(60))
        simulation.changeLeader(to: 1)
        XCTAssertEqual(simulation.nodes[1].clock.role, .leader)
        XCTAssertLessThan(try XCTUnwrap(simulation.nodes[1].clock.handoverErrorBound), .milliseconds(1))

        var worstAgainstA = [0.0, 0.0, 0.0]
        var worstCAgainstBAfterTen = 0.0
        var worstRateDeviation = 0.0
        var previous: (truth: Duration, cluster: ClusterTime)?
        simulation.run(until: .seconds(120)) { sim in
            for node in 1...2 {
                worstAgainstA[node] = max(worstAgainstA[node], abs(Self.error(sim, node) ?? .infinity))
            }
            if sim.truth.now >= .seconds(70) {
                worstCAgainstBAfterTen = max(worstCAgainstBAfterTen, abs(Self.error(sim, 2, reference: 1) ?? .infinity))
            }
            guard let cluster = sim.clusterTime(2) else { return }
            if let previous {
                let advance = (cluster - previous.cluster).nanosecondsDouble
                let elapsed = (sim.truth.now - previous.truth).nanosecondsDouble
                worstRateDeviation = max(worstRateDeviation, abs(advance / elapsed - 1) * 1e6)
            }
            previous = (sim.truth.now, cluster)
        }
        XCTAssertLessThan(worstAgainstA[1], 2.0, "new leader against the old timeline, ms")
        XCTAssertLessThan(worstAgainstA[2], 2.0, "follower against the old timeline, ms")
        XCTAssertLessThan(worstCAgainstBAfterTen, 1.0, "follower against the new leader 10 s after the change, ms")
        // Drift (≤ 200 ppm) plus slew (≤ 500 ppm) plus 1 ns rounding per 5 ms step.
        XCTAssertLessThan(worstRateDeviation, 900, "cluster time rate at the follower, ppm of true time")
        XCTAssertEqual(simulation.nodes[2].clock.stepCount, 0)
        XCTAssertEqual(simulation.nodes[2].clock.filter.estimate?.driftPPM ?? .nan, Self.trueDrift(of: 2), accuracy: 10)
    }

    /// The new leader's estimate was 5 ms off (a constant 10 ms asymmetry on its link to A): C slews
    /// toward it at no more than 500 ppm instead of stepping, and converges.
    func testNewLeaderWithABadEstimateIsSlewedNotStepped() {
        var simulation = ClockSyncSimulation(raws: Self.raws, leader: 0, seed: 11)
        simulation.nodes[1].delays = DelayModel(extraInbound: .milliseconds(10))
        simulation.run(until: .seconds(30))
        let bError = try? XCTUnwrap(Self.error(simulation, 1))
        XCTAssertEqual(abs(bError ?? 0), 5.0, accuracy: 0.6, "B's estimate is biased by half the asymmetry")
        simulation.changeLeader(to: 1)
        var worstRateDeviation = 0.0
        var previous: (truth: Duration, cluster: ClusterTime)?
        var cAgainstBAtEnd = Double.infinity
        simulation.run(until: .seconds(60)) { sim in
            guard let cluster = sim.clusterTime(2) else { return }
            if let previous {
                let advance = (cluster - previous.cluster).nanosecondsDouble
                let elapsed = (sim.truth.now - previous.truth).nanosecondsDouble
                worstRateDeviation = max(worstRateDeviation, abs(advance / elapsed - 1) * 1e6)
            }
            previous = (sim.truth.now, cluster)
            cAgainstBAtEnd = abs(Self.error(sim, 2, reference: 1) ?? .infinity)
        }
        XCTAssertEqual(simulation.nodes[2].clock.stepCount, 0)
        XCTAssertLessThan(worstRateDeviation, 900, "ppm")
        XCTAssertLessThan(cAgainstBAtEnd, 1.0, "ms, 30 s after the change")
    }
}

/// A node that restarted (no timeline) is elected right away: it adopts the timeline from a follower
/// before serving, so nobody steps. Without its peers it would define a new one from its raw clock
/// (3.7 s off) and every follower would step.
final class TimelineAdoptionTests: XCTestCase {
    func run(tellingPeers: Bool) throws -> (simulation: ClockSyncSimulation, worst: Double, serving: Duration?) {
        var simulation = ClockSyncSimulation(raws: ClockSyncConvergenceTests.raws, leader: 0, seed: 21)
        simulation.run(until: .seconds(30))
        // B (raw clock 3.7 s off A's) restarts with nothing, A dies, and B (log up to date) is
        // elected at once.
        simulation.nodes[1].sync = ClockSyncClient()
        simulation.down = [0]
        simulation.tellsPeers = tellingPeers
        simulation.changeLeader(to: 1)
        var worst = 0.0
        var serving: Duration?
        simulation.run(until: .seconds(60)) { sim in
            if serving == nil, sim.nodes[1].clock.isSynchronized { serving = sim.truth.now }
            guard sim.truth.now >= .seconds(32) else { return }
            for node in 1...2 {
                worst = max(worst, abs(ClockSyncConvergenceTests.error(sim, node) ?? .infinity))
            }
        }
        return (simulation, worst, serving)
    }

    func testARestartedLeaderAdoptsTheTimelineFromAFollower() throws {
        let (simulation, worst, serving) = try run(tellingPeers: true)
        let leader = simulation.nodes[1].sync
        XCTAssertEqual(leader.adoptedFrom, "n2")
        XCTAssertFalse(leader.isAdopting)
        XCTAssertEqual(leader.clock.role, .leader)
        XCTAssertLessThan(try XCTUnwrap(leader.clock.handoverErrorBound), .milliseconds(2))
        XCTAssertEqual(simulation.nodes[2].clock.stepCount, 0, "the follower never steps")
        XCTAssertLessThan(try XCTUnwrap(serving), .seconds(30.7), "it has the timeline within 0.7 s (its first probe went to the dead node)")
        // A chain (A → C → B) of estimates: looser than a normal change, still no step.
        XCTAssertLessThan(worst, 2.5, "both stay within 2.5 ms of the old timeline (ms)")
    }

    func testWithoutPeersItDefinesANewTimelineAndFollowersStep() throws {
        let (simulation, worst, _) = try run(tellingPeers: false)
        XCTAssertNil(simulation.nodes[1].sync.adoptedFrom)
        XCTAssertEqual(simulation.nodes[2].clock.stepCount, 1, "the follower steps once, by seconds")
        XCTAssertGreaterThan(worst, 1_000, "the timeline moved by seconds (ms)")
    }

    func testANewClusterDefinesItsTimelineAfterTheAdoptionTimeout() throws {
        var sync = ClockSyncClient()
        sync.leaderChanged(to: "n0", isSelf: true, at: .seconds(5), peers: ["n1", "n2"])
        XCTAssertTrue(sync.isAdopting)
        XCTAssertEqual(sync.probeIfDue(at: .seconds(5))?.server, "n1")
        XCTAssertEqual(sync.probeIfDue(at: .seconds(5.2))?.server, "n2", "peers in turn until one answers")
        XCTAssertNil(sync.clock.clusterTime(at: .seconds(5.5)))
        XCTAssertNil(sync.probeIfDue(at: .seconds(6)), "nobody answered within 1 s")
        XCTAssertFalse(sync.isAdopting)
        XCTAssertEqual(sync.clock.role, .leader)
        XCTAssertEqual(sync.clock.clusterTime(at: .seconds(7)), ClusterTime.zero + .seconds(7))
    }
}
