import Broadcast
import BroadcastTesting
import Media
import XCTest

/// Which finished streams the leader removes (docs/catalogue.md, "Retention"): oldest first, by count and
/// by age, never a live one, one still playing (within the margin) or a protected one.
final class RetentionPolicyTests: XCTestCase {
    typealias F = CatalogueFixtures

    static func ids(_ range: ClosedRange<UInt64>) -> [StreamID] { range.map { StreamID($0) } }

    /// Seconds between the starts of the fixture streams on the cluster timeline.
    static let spacing: Int64 = 100
    /// The stated duration of every ended fixture stream (its two fragments last 3.984 s).
    static let duration = 4.0

    static func startTime(_ id: StreamID) -> ClusterTime { ClusterTime(nanoseconds: Int64(id.rawValue) * spacing * 1_000_000_000) }

    /// When stream `id` (ended, 4 s) is heard to its end.
    static func playoutEnd(_ id: StreamID) -> ClusterTime { startTime(id) + .seconds(duration) }

    /// Streams 1…8 ended (two fragments each), 9 live (one fragment), 10 failed at its second fragment;
    /// stream `i` starts at `i × 100 s`.
    static func catalogue() -> Catalogue {
        var entries: [CatalogueEntry] = []
        for id in Self.ids(1...10) {
            entries.append(.streamStarted(F.start(id, name: "item \(id.rawValue)", at: startTime(id).nanoseconds)))
            entries.append(F.fragmentEntry(id, 0))
            switch id {
            case 9: break
            case 10:
                entries.append(CatalogueFailedStreamTests.entry(id, CatalogueFailedStreamTests.shifted(1, by: 1 << 50)))
            default:
                entries.append(F.fragmentEntry(id, 1))
                entries.append(.streamEnded(stream: id, fragmentCount: 2, durationSeconds: duration))
            }
        }
        var catalogue = Catalogue()
        for (i, entry) in entries.enumerated() { _ = catalogue.apply(entry: entry, at: UInt64(i + 1), term: 1) }
        return catalogue
    }

    /// Long after everything played.
    static let later = ClusterTime(nanoseconds: 1_000_000 * 1_000_000_000)

    func testTheFixtureHasEndedLiveAndFailedStreams() {
        let catalogue = Self.catalogue()
        XCTAssertEqual(catalogue.streams.map(\.id), Self.ids(1...10))
        XCTAssertEqual(catalogue.streams.filter(\.hasEnded).map(\.id), Self.ids(1...8))
        XCTAssertEqual(catalogue.stream(9)?.state, .live)
        XCTAssertTrue(catalogue.stream(10)?.hasFailed ?? false)
        XCTAssertEqual(RetentionPolicy.playoutEnd(of: catalogue.stream(3)!), Self.playoutEnd(3), "the stated 4 s")
        XCTAssertEqual(
            RetentionPolicy.playoutEnd(of: catalogue.stream(10)!), Self.startTime(10) + .nanoseconds(1_992_000_000),
            "a failed stream: its committed fragment")
    }

    func testTheCountRuleRemovesAllButTheNewestFinishedStreamsOldestFirst() {
        let catalogue = Self.catalogue()
        let removals = RetentionPolicy(keepStreams: 3).removals(in: catalogue, now: Self.later)
        // Finished in catalogue order: 1…8, 10. The newest three (7, 8, 10) stay; the live 9 is not counted.
        XCTAssertEqual(removals.map(\.stream), Self.ids(1...6))
        XCTAssertEqual(Set(removals.map(\.reason)), [.beyondCount(3)])
        XCTAssertEqual(removals.first?.description, "beyond the newest 3 finished streams (keep_streams)")
        XCTAssertEqual(RetentionPolicy(keepStreams: 9).removals(in: catalogue, now: Self.later), [])
        XCTAssertEqual(RetentionPolicy(keepStreams: 100).removals(in: catalogue, now: Self.later), [])
    }

    func testALiveStreamIsNeverRemovedEvenWithNothingKept() {
        let catalogue = Self.catalogue()
        let removals = RetentionPolicy(keepStreams: 0, keepAge: .seconds(1)).removals(in: catalogue, now: Self.later)
        // 10 is queued behind the live 9 in the programme: it has not played yet, so it stays too.
        XCTAssertEqual(removals.map(\.stream), Self.ids(1...8))
        XCTAssertFalse(removals.map(\.stream).contains(9))
        XCTAssertNil(catalogue.scheduledItem(10)?.start, "queued behind a live stream")
    }

    func testAStreamStillPlayingOrInsideTheMarginIsKeptToTheNanosecond() {
        let catalogue = Self.catalogue()
        let policy = RetentionPolicy(keepStreams: 0, playoutMargin: .seconds(5))
        let edge = Self.playoutEnd(5) + .seconds(5)
        XCTAssertEqual(
            policy.removals(in: catalogue, now: edge - .nanoseconds(1)).map(\.stream), Self.ids(1...4),
            "stream 5 ended 5 s minus 1 ns ago")
        XCTAssertEqual(policy.removals(in: catalogue, now: edge).map(\.stream), Self.ids(1...5))
        // While stream 3 plays, nothing after it goes either, whatever the count says.
        XCTAssertEqual(
            policy.removals(in: catalogue, now: Self.startTime(3) + .seconds(1)).map(\.stream), [1, 2])
        // Before anything started: nothing.
        XCTAssertEqual(policy.removals(in: catalogue, now: .zero), [])
    }

    func testProtectedStreamsAreNeverRemovedAndStillCountAmongTheKept() {
        let catalogue = Self.catalogue()
        let removals = RetentionPolicy(keepStreams: 3).removals(in: catalogue, now: Self.later, protected: [2, 5, 8, 77])
        XCTAssertEqual(removals.map(\.stream), [1, 3, 4, 6])
    }

    func testTheAgeRuleRemovesStreamsWhosePlayoutEndedLongerAgoThanTheLimit() {
        let catalogue = Self.catalogue()
        let hour = Duration.seconds(3600)
        let policy = RetentionPolicy(keepStreams: nil, keepAge: hour)
        // Stream 4's playout ended exactly one hour ago: kept; 1 ns later it goes.
        let now = Self.playoutEnd(4) + hour
        XCTAssertEqual(policy.removals(in: catalogue, now: now).map(\.stream), [1, 2, 3])
        let removals = policy.removals(in: catalogue, now: now + .nanoseconds(1))
        XCTAssertEqual(removals.map(\.stream), [1, 2, 3, 4])
        XCTAssertEqual(removals.last?.reason, .olderThan(hour, playoutEnded: Self.playoutEnd(4)))
        XCTAssertEqual(removals.last?.description, "played out more than 1 h ago (keep_hours)")
        XCTAssertEqual(
            RetentionPolicy.Removal(stream: 1, reason: .olderThan(.seconds(1800), playoutEnded: .zero)).description,
            "played out more than 0.5 h ago (keep_hours)")
    }

    func testWithBothRulesAStreamGoesWhenEitherSaysSo() {
        let catalogue = Self.catalogue()
        let policy = RetentionPolicy(keepStreams: 6, keepAge: .seconds(3600))
        // Count: 1…3 go (the newest six finished are 4…8, 10). Age: at stream 6's end + 1 h + 1 ns, 1…6 go.
        let now = Self.playoutEnd(6) + .seconds(3600) + .nanoseconds(1)
        let removals = policy.removals(in: catalogue, now: now)
        XCTAssertEqual(removals.map(\.stream), Self.ids(1...6))
        XCTAssertEqual(removals.prefix(3).map(\.reason), Array(repeating: .beyondCount(6), count: 3))
        XCTAssertEqual(removals.suffix(3).map(\.stream), [4, 5, 6])
        // Earlier, only the count rule has anything to say.
        XCTAssertEqual(policy.removals(in: catalogue, now: Self.playoutEnd(8) + .seconds(10)).map(\.stream), [1, 2, 3])
    }

    func testKeepingEverythingRemovesNothing() {
        XCTAssertFalse(RetentionPolicy.keepEverything.removesAnything)
        XCTAssertEqual(RetentionPolicy.keepEverything.removals(in: Self.catalogue(), now: Self.later), [])
        XCTAssertEqual(RetentionPolicy(keepStreams: 0).removals(in: Catalogue(), now: Self.later), [])
    }

    func testAppliedRemovalsReleaseTheLogAndTheVerdictSettles() throws {
        var catalogue = Self.catalogue()
        let policy = RetentionPolicy(keepStreams: 3)
        XCTAssertEqual(catalogue.retainedLogFloor, 2, "stream 1's first fragment")
        let sixth = try XCTUnwrap(catalogue.fragments(of: 6).first?.logIndex)
        var next = catalogue.appliedIndex + 1
        for removal in policy.removals(in: catalogue, now: Self.later) {
            XCTAssertEqual(
                catalogue.apply(entry: .streamRemoved(stream: removal.stream), at: next, term: 1),
                .streamRemoved(removal.stream))
            next += 1
        }
        XCTAssertEqual(policy.removals(in: catalogue, now: Self.later), [], "nothing more to remove")
        XCTAssertEqual(catalogue.streams.map(\.id), [7, 8, 9, 10])
        XCTAssertEqual(catalogue.retainedLogFloor, catalogue.fragments(of: 7).first?.logIndex)
        XCTAssertGreaterThan(catalogue.retainedLogFloor ?? 0, sixth)
    }
}
