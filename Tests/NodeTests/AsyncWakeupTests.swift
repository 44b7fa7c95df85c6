@testable import Node
import XCTest

/// The sleep clock sync's loop takes between probes: a signal or a cancellation ends it early, a signal that
/// comes while nobody sleeps ends the next sleep at once (and only that one).
final class AsyncWakeupTests: XCTestCase {
    func testASignalEndsALongSleep() async throws {
        let wakeup = AsyncWakeup()
        let clock = ContinuousClock()
        let start = clock.now
        let sleeper = Task { await wakeup.sleep(for: .seconds(60)) }
        wakeup.signal()
        await sleeper.value
        XCTAssertLessThan(clock.now - start, .seconds(10))
    }

    func testASignalWhileNobodySleepsEndsOnlyTheNextSleep() async {
        let wakeup = AsyncWakeup()
        wakeup.signal()
        wakeup.signal()  // at most one is kept
        let clock = ContinuousClock()
        var start = clock.now
        await wakeup.sleep(for: .seconds(60))
        XCTAssertLessThan(clock.now - start, .seconds(10), "the pending signal")
        start = clock.now
        await wakeup.sleep(for: .milliseconds(30))
        XCTAssertGreaterThanOrEqual(clock.now - start, .milliseconds(30), "a full sleep: the signal was used")
    }

    func testCancellationEndsTheSleep() async {
        let wakeup = AsyncWakeup()
        let clock = ContinuousClock()
        let start = clock.now
        let sleeper = Task { await wakeup.sleep(for: .seconds(60)) }
        sleeper.cancel()
        await sleeper.value
        XCTAssertLessThan(clock.now - start, .seconds(10))
    }

    func testWithoutASignalItSleepsTheWholeDuration() async {
        let wakeup = AsyncWakeup()
        let clock = ContinuousClock()
        let start = clock.now
        await wakeup.sleep(for: .milliseconds(40))
        XCTAssertGreaterThanOrEqual(clock.now - start, .milliseconds(40))
    }
}
