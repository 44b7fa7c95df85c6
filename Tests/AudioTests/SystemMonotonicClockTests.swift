import Audio
import Foundation
import Synchronization
import XCTest

/// The system clock's sleeps and the playback thread's timer slack, read back from the kernel.
final class SystemMonotonicClockTests: XCTestCase {
    func testTimerSlackIsSetForTheCallingThreadOnly() throws {
        // The kernel's default, set here so the order the tests run in does not matter.
        XCTAssertTrue(SystemMonotonicClock.setTimerSlackOfThisThread(.microseconds(50)))
        let before = try XCTUnwrap(SystemMonotonicClock.timerSlackOfThisThread)
        XCTAssertEqual(before, .microseconds(50))
        let result = Mutex<(set: Bool, after: Duration?)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let set = SystemMonotonicClock.setTimerSlackOfThisThread(.microseconds(1))
            result.withLock { $0 = (set, SystemMonotonicClock.timerSlackOfThisThread) }
            done.signal()
        }
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        let (set, after) = try XCTUnwrap(result.withLock { $0 })
        XCTAssertTrue(set)
        XCTAssertEqual(after, .nanoseconds(1000))
        XCTAssertEqual(SystemMonotonicClock.timerSlackOfThisThread, before, "another thread's slack changed")
    }

    func testSleepEndsAtOrAfterItsDeadline() {
        let clock = SystemMonotonicClock()
        SystemMonotonicClock.setTimerSlackOfThisThread(.microseconds(1))
        for _ in 0..<20 {
            let deadline = clock.now + .microseconds(500)
            clock.sleep(until: deadline)
            XCTAssertGreaterThanOrEqual(clock.now, deadline)
        }
    }
}
