import Broadcast
import Media
import XCTest

/// ``LiveProgramme`` on the catalogue alone (ProgrammeTests' synthetic 1.992 s fragments, audio starting at
/// 0): every listed fragment is heard at its item's start plus its own offset, only what starts before the
/// horizon and ends after the window's start is listed, a cut item lists up to its cut, and an item with
/// no known start lists nothing.
final class LiveProgrammeTests: XCTestCase {
    typealias P = ProgrammeTests
    /// One fragment in nanoseconds (83 × 1152 samples at 48 kHz).
    static let fragmentNanoseconds: Int64 = 1_992_000_000

    static func live(_ catalogue: Catalogue, now: Double, ahead: Double = 1.4, window: Double = 30) -> LiveProgramme {
        LiveProgramme(
            schedule: catalogue.programmeSchedule(), now: P.time(now), horizon: P.time(now + ahead),
            window: .milliseconds(Int64(window * 1000)))
    }

    static func listed(_ live: LiveProgramme) -> [String] {
        live.items.flatMap { item in item.segments.map { "\(item.stream.id.description.drop { $0 == "0" })/\($0.fragment)@\($0.at.nanoseconds)" } }
    }

    func testFragmentsAreListedFromTheirItemsStartUpToTheHorizon() {
        var catalogue = Catalogue()
        P.apply(P.stream(1, at: 5, fragments: 3) + P.stream(2, at: 6, fragments: 2), to: &catalogue)
        let f = Self.fragmentNanoseconds
        // At 6 s with 1.4 s ahead: fragment 0 (5 s) and 1 (6.992 s) of stream 1; fragment 2 (8.984 s) is not certain yet.
        XCTAssertEqual(Self.listed(Self.live(catalogue, now: 6)), ["1/0@5000000000", "1/1@\(5_000_000_000 + f)"])
        // At 12 s: all of stream 1, and stream 2 from where stream 1 ends (5 s + 3 fragments).
        let live = Self.live(catalogue, now: 12)
        let b = 5_000_000_000 + 3 * f
        XCTAssertEqual(
            Self.listed(live),
            ["1/0@5000000000", "1/1@\(5_000_000_000 + f)", "1/2@\(5_000_000_000 + 2 * f)", "2/0@\(b)", "2/1@\(b + f)"])
        XCTAssertEqual(live.items.map(\.start), [P.time(5), ClusterTime(nanoseconds: b)])
        XCTAssertEqual(live.items.map(\.lastFragment), [2, 1], "both streams ended: their last fragments are known")
        XCTAssertEqual(live.items[1].segments[1].mediaStartSeconds, 1.992, accuracy: 1e-9, "its own timeline, not the programme's")
        XCTAssertEqual(live.items[1].segments[1].durationSeconds, 1.992, accuracy: 1e-9)
        // The window: at 20 s with 10 s back, only what ends after 10 s (stream 2 ends at 14.96 s; stream 1 at 10.976 s).
        XCTAssertEqual(Self.listed(Self.live(catalogue, now: 20, window: 10)), ["1/2@\(5_000_000_000 + 2 * f)", "2/0@\(b)", "2/1@\(b + f)"])
        XCTAssertEqual(Self.listed(Self.live(catalogue, now: 60, window: 30)), [], "all over before the window")
        XCTAssertEqual(Self.listed(Self.live(catalogue, now: 1)), [], "nothing starts before the horizon")
    }

    func testACutItemListsUpToItsCutAndTheNextFollowsTheCut() {
        var catalogue = Catalogue()
        P.apply(P.stream(1, at: 5, fragments: 5) + P.stream(2, at: 5, fragments: 2), to: &catalogue)
        P.apply([.queue(.skip, at: P.time(7.5))], to: &catalogue)
        let f = Self.fragmentNanoseconds
        let b = 5_000_000_000 + 2 * f
        XCTAssertEqual(Self.listed(Self.live(catalogue, now: 11)), ["1/0@5000000000", "1/1@\(5_000_000_000 + f)", "2/0@\(b)", "2/1@\(b + f)"])
        XCTAssertEqual(Self.live(catalogue, now: 11).items.map(\.lastFragment), [1, 1], "the cut is the item's last fragment")
    }

    func testAnItemWithoutAKnownStartListsNothing() {
        var catalogue = Catalogue()
        P.apply(P.stream(1, at: 5, fragments: 2, live: true) + P.stream(2, at: 5, fragments: 2), to: &catalogue)
        let live = Self.live(catalogue, now: 100, window: 1000)
        XCTAssertEqual(live.items.map(\.stream.id), [1], "stream 2 waits for stream 1's end")
        XCTAssertEqual(live.items.map(\.lastFragment), [nil], "a live stream's last fragment is not known")
    }
}
