import Broadcast
import BroadcastTesting
import Media
import XCTest

/// The leader's session with a source whose times are absurd: it never traps (a playout time beyond
/// 64-bit nanoseconds used to), it proposes the bad fragment at once instead of pacing it for years, the
/// catalogue fails the stream, and the session stops with the catalogue's reason.
final class IngestSessionLimitsTests: XCTestCase {
    typealias F = CatalogueFixtures

    /// Fragments 0–4 of the fixture stream with fragment 2 replaced by `bad`.
    static func source(bad: Fragment) -> IngestListSource {
        IngestListSource((0..<5).map { $0 == 2 ? bad : F.fragment($0) })
    }

    func testAbsurdTimesFailTheStreamWithoutTrappingOrWaiting() throws {
        var backwards = F.fragment(2)
        backwards.startPTS = -(1 << 62)
        var negativeDuration = F.fragment(2)
        negativeDuration.durationPTS = Int64.min
        let jumps: [Int64] = [1 << 31, 1_000_000_000_000, 1_000_000_000_000_000, 1 << 62, Int64.max - 3 * F.fragmentTicks]
        let bads = jumps.map { CatalogueFailedStreamTests.shifted(2, by: $0) } + [backwards, negativeDuration]
        for lead: Duration? in [nil, .seconds(3)] {
            for bad in bads {
                var log = IngestTestLog()
                var session = IngestSessionTests.session(Self.source(bad: bad), catalogue: log.catalogue, lead: lead)
                var now = ClusterTime(nanoseconds: 100_000_000_000)
                var proposedAt: [Int: ClusterTime] = [:]
                let final = IngestSessionTests.run(&session, log: &log, now: &now, budget: 1 << 20) { what, at in
                    if case .fragment(let index, _) = what { proposedAt[index] = at }
                }
                let stream = try XCTUnwrap(log.catalogue.stream(77))
                let reason = try XCTUnwrap(stream.failureReason, "\(bad.startPTS)")
                XCTAssertTrue(reason.hasPrefix("fragment 2: "), reason)
                XCTAssertEqual(final, .failed(.streamFailed(77, reason: reason)))
                XCTAssertEqual(stream.fragments.count, 2)
                XCTAssertTrue(log.events.contains(.streamFailed(stream: 77, index: 2, reason: reason)))
                // Not paced: proposed as soon as fragment 1 was (or one commit later), never years ahead.
                let two = try XCTUnwrap(proposedAt[2])
                XCTAssertLessThanOrEqual(two, try XCTUnwrap(proposedAt[1]) + .seconds(1), "\(reason)")
            }
        }
    }

    /// A session started for a stream the catalogue already failed (a client's retry on a new leader)
    /// stops at once with the catalogue's reason; it proposes nothing.
    func testASessionForAFailedStreamStopsAtOnce() throws {
        var log = IngestTestLog()
        var first = IngestSessionTests.session(
            Self.source(bad: CatalogueFailedStreamTests.shifted(2, by: 1 << 62)), catalogue: log.catalogue)
        var now = ClusterTime(nanoseconds: 1_000_000_000)
        IngestSessionTests.run(&first, log: &log, now: &now, budget: 1 << 20)
        let reason = try XCTUnwrap(log.catalogue.stream(77)?.failureReason)
        var retry = IngestSessionTests.session(IngestListSource((0..<5).map { F.fragment($0) }), catalogue: log.catalogue)
        XCTAssertEqual(retry.next(now: now), .failed(.streamFailed(77, reason: reason)))
    }
}
