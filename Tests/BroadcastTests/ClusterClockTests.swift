import Broadcast
import BroadcastTesting
import Raft
import XCTest

final class ClusterClockTests: XCTestCase {
    /// A symmetric 0.2 ms exchange at local `send` with a server at local + `offset`.
    static func sample(at send: Duration, offset: Duration) -> ClockSample {
        ClockSyncFilterTests.sample(at: send, offset: offset, out: .microseconds(100), back: .microseconds(100))
    }

    func testAFreshLeaderDefinesTheTimelineAsItsOwnClock() {
        var clock = ClusterClock()
        XCTAssertNil(clock.clusterTime(at: .seconds(3)))
        XCTAssertEqual(clock.becomeLeader(at: .seconds(3)), .defined)
        XCTAssertEqual(clock.clusterTime(at: .seconds(9)), ClusterTime.zero + .seconds(9))
        XCTAssertEqual(clock.errorBound(at: .seconds(9)), .zero)
        XCTAssertEqual(clock.add(Self.sample(at: .seconds(10), offset: .seconds(1))), .ignored)
        XCTAssertNil(clock.handoverErrorBound)
    }

    func testStartsAfterThreeSamplesOnTheServersTime() {
        var clock = ClusterClock()
        XCTAssertEqual(clock.add(Self.sample(at: .seconds(1), offset: .seconds(-20))), .waiting)
        XCTAssertEqual(clock.add(Self.sample(at: .seconds(1.2), offset: .seconds(-20))), .waiting)
        XCTAssertEqual(clock.add(Self.sample(at: .seconds(1.4), offset: .seconds(-20))), .started)
        let time = try! XCTUnwrap(clock.clusterTime(at: .seconds(30)))
        XCTAssertEqual(time.nanoseconds, 10_000_000_000, accuracy: 1)
        XCTAssertEqual(clock.localTime(at: time)!.wholeNanoseconds, 30_000_000_000, accuracy: 2)
    }

    func testSmallErrorsAreSlewedAtTheBoundedRate() {
        var clock = ClusterClock()
        for index in 0..<5 { clock.add(Self.sample(at: .milliseconds(200 * index), offset: .seconds(1))) }
        // A new server whose time is 4 ms ahead: below the 20 ms step threshold.
        clock.followNewLeader()
        let update = clock.add(Self.sample(at: .seconds(2), offset: .seconds(1) + .milliseconds(4)))
        guard case .slewing(let correction) = update else { return XCTFail("expected slewing, got \(update)") }
        XCTAssertEqual(correction.wholeNanoseconds, 4_000_000, accuracy: 2)
        let anchor = Duration.seconds(2) + .microseconds(200)
        let before = clock.clusterTime(at: anchor)!
        // One second later 500 µs of the correction has been applied (500 ppm), not more.
        let after = clock.clusterTime(at: anchor + .seconds(1))!
        XCTAssertEqual(((after - before) - .seconds(1)).wholeNanoseconds, 500_000, accuracy: 2)
        // Eight seconds later all of it.
        let done = clock.clusterTime(at: anchor + .seconds(9))!
        XCTAssertEqual(((done - before) - .seconds(9)).wholeNanoseconds, 4_000_000, accuracy: 2)
        XCTAssertEqual(clock.stepCount, 0)
        // The unapplied part counts in the error bound.
        XCTAssertGreaterThanOrEqual(clock.errorBound(at: anchor)!, .milliseconds(4))
        // Inverse map across the slew.
        for ms in stride(from: -500, through: 20_000, by: 777) {
            let local = anchor + .milliseconds(ms)
            let back = clock.localTime(at: clock.clusterTime(at: local)!)!
            XCTAssertLessThanOrEqual(abs((back - local).wholeNanoseconds), 2)
        }
    }

    func testALargeErrorIsSteppedOnlyOnceConfirmed() {
        var clock = ClusterClock()
        for index in 0..<5 { clock.add(Self.sample(at: .milliseconds(200 * index), offset: .seconds(1))) }
        clock.followNewLeader()
        // The new server is 200 ms ahead: holdover until five samples confirm it.
        var updates: [ClusterClock.Update] = []
        for index in 0..<5 {
            updates.append(clock.add(Self.sample(at: .seconds(2) + .milliseconds(200 * index), offset: .seconds(1.2))))
        }
        XCTAssertEqual(Array(updates.prefix(4)), Array(repeating: .waiting, count: 4))
        guard case .stepped(let step) = updates[4] else { return XCTFail("expected a step, got \(updates[4])") }
        XCTAssertEqual(step.wholeNanoseconds, 200_000_000, accuracy: 2)
        XCTAssertEqual(clock.stepCount, 1)
        XCTAssertEqual(clock.clusterTime(at: .seconds(10))!.nanoseconds, 11_200_000_000, accuracy: 1)
    }

    func testAFollowerThatBecomesLeaderKeepsItsMap() {
        var clock = ClusterClock()
        for index in 0..<5 { clock.add(Self.sample(at: .milliseconds(200 * index), offset: .seconds(-3.7))) }
        let before = clock.clusterTime(at: .seconds(50))
        XCTAssertEqual(clock.becomeLeader(at: .seconds(5)), .continued)
        XCTAssertEqual(clock.clusterTime(at: .seconds(50)), before)
        XCTAssertNotNil(clock.handoverErrorBound)
        let response = clock.answer(
            ClockSyncProbe(id: 4, clientSend: .seconds(77)), receivedAt: .seconds(6), sentAt: .seconds(6) + .microseconds(30))
        XCTAssertEqual(response?.id, 4)
        XCTAssertEqual(response?.clientSend, .seconds(77))
        XCTAssertEqual(response?.serverReceive.nanoseconds ?? 0, 2_300_000_000, accuracy: 1)
        // The new leader answers with its handover bound: how far its timeline may be from the old one.
        XCTAssertEqual(response?.serverErrorBound, clock.handoverErrorBound)
        XCTAssertGreaterThan(clock.handoverErrorBound ?? .zero, .zero)
        var founder = ClusterClock()
        XCTAssertEqual(founder.becomeLeader(at: .seconds(1)), .defined)
        XCTAssertEqual(founder.errorBound(at: .seconds(2)), .zero, "the node that defined the timeline is exact")
        XCTAssertNil(ClusterClock().answer(ClockSyncProbe(id: 1, clientSend: .zero), receivedAt: .zero, sentAt: .zero))
    }
}

final class ClusterClockHandoverRateTests: XCTestCase {
    /// A follower that becomes leader after `seconds` of exchanges on the default schedule (every
    /// 200 ms for 5 s, then every second) with a server whose clock runs `ppm` faster than its own,
    /// each exchange's two one-way delays drawn from `delays` (µs).
    static func leader(afterSeconds seconds: Int, ppm: Double, delays: ClosedRange<Int64>, seed: UInt64)
        -> (clock: ClusterClock, handover: Duration)
    {
        var clock = ClusterClock()
        var random = SplitMix64(seed: seed)
        var send = Duration.zero
        while send < .seconds(seconds) {
            let offset = Duration.seconds(2) + .nanoseconds(Int64(ppm * 1e-6 * send.nanosecondsDouble))
            let out = Duration.microseconds(Int64.random(in: delays, using: &random))
            let back = Duration.microseconds(Int64.random(in: delays, using: &random))
            clock.add(ClockSyncFilterTests.sample(at: send, offset: offset, out: out, back: back))
            send += send < .seconds(5) ? .milliseconds(200) : .seconds(1)
        }
        let handover = Duration.seconds(seconds)
        XCTAssertEqual(clock.becomeLeader(at: handover), .continued)
        return (clock, handover)
    }

    /// Six seconds of samples jittered by up to 3 ms (a loaded machine) cannot tell a drift from zero:
    /// the new leader serves the timeline at its own clock's rate, so nodes sharing a clock (one
    /// machine) stay bit-exact, instead of at whatever slope the noise drew for as long as it leads.
    func testADriftTheSamplesCannotTellFromZeroIsNotBakedIntoTheTimeline() throws {
        for seed in UInt64(1)...20 {
            let (clock, handover) = Self.leader(afterSeconds: 6, ppm: 0, delays: 50...3_000, seed: seed)
            let estimate = try XCTUnwrap(clock.filter.estimate)
            XCTAssertLessThanOrEqual(abs(estimate.driftPPM), estimate.driftUncertaintyPPM, "seed \(seed): the interval holds 0")
            XCTAssertEqual(clock.ratePPM, 0, "seed \(seed): drift estimate \(estimate.driftPPM) ± \(estimate.driftUncertaintyPPM)")
            // From the handover on, cluster time advances exactly as the local clock does (once any
            // slew in progress is done: at most the handover bound, at 500 ppm).
            let settled = handover + .seconds(10)
            let start = try XCTUnwrap(clock.clusterTime(at: settled))
            let later = try XCTUnwrap(clock.clusterTime(at: settled + .seconds(60)))
            XCTAssertEqual(later - start, .seconds(60), "seed \(seed)")
        }
    }

    /// A minute of clean samples measures an 80 ppm drift: the new leader keeps serving the timeline
    /// at the old leader's rate as measured, so it stays on the old timeline.
    func testAMeasuredDriftIsKept() throws {
        let (clock, handover) = Self.leader(afterSeconds: 60, ppm: 80, delays: 50...150, seed: 7)
        let estimate = try XCTUnwrap(clock.filter.estimate)
        let rate = try XCTUnwrap(clock.ratePPM)
        XCTAssertGreaterThan(abs(estimate.driftPPM), estimate.driftUncertaintyPPM)
        XCTAssertEqual(rate, estimate.driftPPM)
        XCTAssertEqual(rate, 80, accuracy: 2)
        // A minute on, the new timeline is within 0.15 ms of the old one (80 ppm from the handover).
        let start = try XCTUnwrap(clock.clusterTime(at: handover + .seconds(1)))
        let later = try XCTUnwrap(clock.clusterTime(at: handover + .seconds(61)))
        XCTAssertEqual((later - start).nanosecondsDouble, 60e9 * (1 + 80e-6), accuracy: 150_000)
    }
}

extension Duration {
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var wholeMilliseconds: Int64 { wholeNanoseconds / 1_000_000 }
}
