import Broadcast
import BroadcastTesting
import XCTest

final class ClockSyncScheduleTests: XCTestCase {
    /// Runs the schedule on a 1 ms grid for `until`, answering probes according to `answered`, and
    /// returns the probe times.
    static func probes(
        _ schedule: inout ClockSyncSchedule, from start: Duration, until end: Duration, answered: (Int) -> Bool = { _ in true }
    ) -> [Duration] {
        var sent: [Duration] = []
        var now = start
        while now < end {
            if schedule.isDue(at: now) {
                schedule.probeSent(at: now)
                if answered(sent.count) { schedule.sampleAccepted() }
                sent.append(now)
            }
            now += .milliseconds(1)
        }
        return sent
    }

    func testBurstThenSteady() {
        var schedule = ClockSyncSchedule()
        XCTAssertTrue(schedule.isDue(at: .seconds(7)))
        let sent = Self.probes(&schedule, from: .seconds(7), until: .seconds(14))
        let intervals = zip(sent.dropFirst(), sent).map { $0 - $1 }
        XCTAssertEqual(sent.first, .seconds(7))
        // 25 probes 200 ms apart (7.0 … 11.8 s), then 12.8 and 13.8 s.
        XCTAssertEqual(Array(intervals.prefix(24)), Array(repeating: .milliseconds(200), count: 24))
        XCTAssertEqual(Array(intervals.dropFirst(24)), [.seconds(1), .seconds(1)])
        XCTAssertEqual(sent.count, 27)
        XCTAssertFalse(schedule.isBursting)
    }

    func testRestartBurstsAgainAndLostProbesDoNotCount() {
        var schedule = ClockSyncSchedule()
        _ = Self.probes(&schedule, from: .zero, until: .seconds(5))
        XCTAssertFalse(schedule.isBursting)
        schedule.restart()
        XCTAssertNil(schedule.nextProbe)
        // Every other probe is lost: 49 probes at 200 ms to collect 25 samples.
        let sent = Self.probes(&schedule, from: .seconds(5), until: .seconds(16)) { $0 % 2 == 0 }
        let intervals = zip(sent.dropFirst(), sent).map { $0 - $1 }
        XCTAssertEqual(Array(intervals.prefix(48)), Array(repeating: .milliseconds(200), count: 48))
        XCTAssertEqual(intervals[48], .seconds(1))
        XCTAssertEqual(sent.count, 50)
    }
}
