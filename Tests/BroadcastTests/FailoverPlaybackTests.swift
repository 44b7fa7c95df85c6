import Audio
import Broadcast
import BroadcastTesting
import XCTest

/// One node's player in the end-to-end simulation: a scheduler, a drifting sound card, and the
/// play-log records with the card frame each logged sample went out as.
struct PlayoutNode {
    var scheduler: PlayoutScheduler
    let card: SimulatedSoundCard
    var tracker: FragmentPlayTracker
    let fragments: [FragmentPlayTracker.Fragment]
    var wakeAt: Duration = .zero
    private(set) var logged: [(record: PlayLogRecord, frame: Int)] = []

    init(node: String, timeline: StreamTimeline, cardPPM: Double, fragments: [FragmentPlayTracker.Fragment]) {
        scheduler = PlayoutScheduler(timeline: timeline)
        card = SimulatedSoundCard(sampleRate: timeline.sampleRate, ppm: cardPPM)
        tracker = FragmentPlayTracker(node: node, stream: 0x51)
        self.fragments = fragments
    }

    /// Does what the scheduler says until it says wait (then sleeps until then, mapped with the
    /// clock as it stands, like a real player).
    mutating func service(at now: Duration, clusterNow: ClusterTime, errorBound: Duration) {
        guard now >= wakeAt else { return }
        card.advance(to: now)
        for _ in 0..<1_000 {
            let observation = PlayoutObservation(
                now: clusterNow, queuedFrames: card.delay, available: 0..<Int64.max,
                streamEnd: fragments.last.map { $0.samples.upperBound })
            switch scheduler.next(observation) {
            case .wait(let until):
                wakeAt = now + (until - clusterNow)
                return
            case .silence(let frames, _):
                card.write(Array(repeating: SimulatedSoundCard.silence, count: frames), at: now)
            case .play(let chunk):
                let first = card.tags.count
                card.write(PlayoutSimulation.frames(of: chunk), at: now)
                for record in tracker.records(for: chunk, fragments: fragments, clockErrorBound: errorBound) {
                    logged.append((record, first + chunk.outputIndex(ofSample: record.firstPlayedSample)!))
                }
            case .skip:
                continue
            case .finished:
                wakeAt = .seconds(1_000_000)
                return
            }
        }
    }
}

/// The whole timing core together: three nodes whose raw clocks differ by seconds and whose sound
/// cards drift, synchronising over a jittery network and playing one stream of 2 s fragments; the
/// leader dies at 20 s and another takes over.
final class FailoverPlaybackTests: XCTestCase {
    func testPlaybackStaysInSyncAcrossALeaderChange() throws {
        var sync = ClockSyncSimulation(raws: ClockSyncConvergenceTests.raws, leader: 0, seed: 5)
        // Sample 0 is due 3 s (true) after the start, on the leader's timeline (its own clock).
        let start = ClusterTime.zero + ClockSyncConvergenceTests.raws[0].local(at: .seconds(3))
        let timeline = StreamTimeline(start: start, sampleRate: 48_000)
        let fragments = (0..<18).map {
            FragmentPlayTracker.Fragment(index: $0, firstSample: Int64($0) * 96_000, sampleCount: 96_000)
        }
        var players = [80.0, -50.0, 100.0].enumerated().map { index, ppm in
            PlayoutNode(node: "n\(index)", timeline: timeline, cardPPM: ppm, fragments: fragments)
        }
        let changeAt = Duration.seconds(20)
        let observe = { (sim: ClockSyncSimulation) in
            for index in players.indices where index != 0 || sim.truth.now < changeAt {
                let local = sim.local(index)
                guard let now = sim.nodes[index].clock.clusterTime(at: local),
                    let bound = sim.nodes[index].clock.errorBound(at: local)
                else { continue }
                players[index].service(at: sim.truth.now, clusterNow: now, errorBound: bound)
            }
        }
        sync.run(until: changeAt, tick: .milliseconds(2), observe: observe)
        sync.changeLeader(to: 1)  // n0 is gone: it neither plays nor answers from now on
        sync.run(until: .seconds(40), tick: .milliseconds(2), observe: observe)

        // When each node truly heard each fragment's first sample, against when the original
        // leader's timeline says it is due (true time at which n0's clock reads that cluster time).
        let raw0 = ClockSyncConvergenceTests.raws[0]
        var heardByFragment: [Int: [Double]] = [:]
        var worstAgainstTimeline = 0.0
        for player in players {
            for (record, frame) in player.logged {
                let heard = player.card.heardTime(ofFrame: frame).nanosecondsDouble
                let due = raw0.trueTime(atLocal: .nanoseconds(timeline.clusterTime(ofSample: record.firstPlayedSample).nanoseconds))
                worstAgainstTimeline = max(worstAgainstTimeline, abs(heard - due.nanosecondsDouble) / 1e6)
                let nominal = heard - Double(record.firstPlayedSample - record.fragmentFirstSample) / 48_000 * 1e9
                heardByFragment[record.fragment, default: []].append(nominal)
            }
            let stats = player.scheduler.stats
            XCTAssertEqual(stats.hardResyncs, 0, player.tracker.node)
            XCTAssertEqual(stats.resyncSkippedSamples, 0, player.tracker.node)
            XCTAssertEqual(stats.stalledSamples, 0, player.tracker.node)
            XCTAssertEqual(player.card.underruns, 0, player.tracker.node)
        }
        XCTAssertEqual(players[0].logged.map(\.record.fragment), Array(0..<9), "n0 played until it died")
        XCTAssertEqual(players[1].logged.map(\.record.fragment), Array(0..<18))
        XCTAssertEqual(players[2].logged.map(\.record.fragment), Array(0..<18))
        let trueSkews = heardByFragment.values.map { (($0.max() ?? 0) - ($0.min() ?? 0)) / 1e6 }
        XCTAssertLessThan(trueSkews.max() ?? .infinity, 1.5, "true inter-node skew, ms")
        XCTAssertLessThan(worstAgainstTimeline, 1.5, "true error against the original timeline, ms")
        // The play logs see no gap anywhere, failover included, and agree within half a millisecond.
        let analysis = PlayLogAnalysis(records: players.flatMap { $0.logged.map(\.record) })
        XCTAssertLessThan(analysis.largestGap.map { abs($0.gap.wholeNanoseconds) } ?? .max, 1_000_000)
        XCTAssertTrue(analysis.gaps.allSatisfy { abs($0.gap.wholeNanoseconds) < 1_000_000 })
        XCTAssertEqual(analysis.skews.count, 18)
        XCTAssertLessThan(try XCTUnwrap(analysis.skewSummary).max, .milliseconds(1))
    }
}
