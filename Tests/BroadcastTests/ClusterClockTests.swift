import Broadcast
import BroadcastTesting
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

extension Duration {
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var wholeMilliseconds: Int64 { wholeNanoseconds / 1_000_000 }
}
