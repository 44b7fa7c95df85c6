import Foundation
@testable import Node
import XCTest

/// A node makes GMT its default time zone before anything builds a calendar (Hummingbird's Date-header cache),
/// so Foundation never resolves the machine's zone through ICU; what that saves is measured by
/// `scripts/bench-broadcast.sh` (BENCHMARKS.md, "Cost of playing").
final class DefaultTimeZoneTests: XCTestCase {
    func testCalendarsWithoutAZoneAreInGMT() {
        let previous = NSTimeZone.default
        defer { NSTimeZone.default = previous }
        NodeRunner.useGMTAsDefaultTimeZone()
        XCTAssertEqual(NSTimeZone.default.secondsFromGMT(), 0)
        XCTAssertEqual(Calendar(identifier: .gregorian).timeZone.secondsFromGMT(), 0)
    }
}
