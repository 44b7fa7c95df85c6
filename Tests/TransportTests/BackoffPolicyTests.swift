import XCTest

@testable import Transport

final class BackoffPolicyTests: XCTestCase {
    func testGrowsExponentiallyWithinJitterBoundsAndCaps() {
        let policy = BackoffPolicy(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2)
        let bases: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                                 .milliseconds(1600), .seconds(2), .seconds(2)]
        for (i, base) in bases.enumerated() {
            XCTAssertEqual(policy.delay(afterFailures: i + 1, unitRandom: 0), base / 2, "failure \(i + 1), low end")
            let high = policy.delay(afterFailures: i + 1, unitRandom: 0.999_999)
            XCTAssertLessThan(high, base)
            XCTAssertGreaterThan(high, base * 0.99)
        }
        XCTAssertEqual(policy.delay(afterFailures: 1, unitRandom: 0.5), .milliseconds(75))
    }

    func testHugeFailureCountsStayAtMaximum() {
        let policy = BackoffPolicy(initial: .milliseconds(50), maximum: .seconds(2))
        for failures in [30, 64, 1000, Int.max] {
            let delay = policy.delay(afterFailures: failures, unitRandom: 0.999)
            XCTAssertLessThanOrEqual(delay, .seconds(2))
            XCTAssertGreaterThanOrEqual(delay, .seconds(1))
        }
    }

    func testOutOfRangeRandomIsClamped() {
        let policy = BackoffPolicy(initial: .milliseconds(100), maximum: .seconds(1))
        XCTAssertEqual(policy.delay(afterFailures: 1, unitRandom: -5), .milliseconds(50))
        XCTAssertLessThan(policy.delay(afterFailures: 1, unitRandom: 7), .milliseconds(100))
    }
}
