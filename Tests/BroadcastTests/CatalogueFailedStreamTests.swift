import Broadcast
import BroadcastTesting
import Media
import XCTest

/// Committed fragments whose times no player can use (a `tfdt` jump, times running backwards, negative
/// times, a packet far outside its fragment) fail their stream, on every node alike, and leave the other
/// streams alone (docs/catalogue.md, "Limits and failed streams").
final class CatalogueFailedStreamTests: XCTestCase {
    typealias F = CatalogueFixtures

    /// Fragment `index` of the fixture stream with every time (fragment start, packet pts and dts) moved
    /// by `shift` ticks, as a jump in the container's decode times moves them.
    static func shifted(_ index: Int, by shift: Int64) -> Fragment {
        var fragment = F.fragment(index)
        fragment.startPTS += shift
        for p in fragment.packets.indices {
            fragment.packets[p].pts = fragment.packets[p].pts.map { $0 + shift }
            fragment.packets[p].dts = fragment.packets[p].dts.map { $0 + shift }
        }
        return fragment
    }

    static func entry(_ stream: StreamID, _ fragment: Fragment) -> CatalogueEntry {
        .fragment(stream: stream, index: fragment.index, record: fragment.encoded()[...])
    }

    /// Streams 1 and 2 start; each commits fragments 0 and 1; then stream 1's fragment 2 is `bad`, stream 2
    /// goes on with fragments 2 and 3, stream 1 gets its next fragments and an end anyway.
    static func log(bad: Fragment) -> [[UInt8]] {
        let entries: [CatalogueEntry] = [
            .streamStarted(F.start(1)), .streamStarted(F.start(2, name: "other")),
            F.fragmentEntry(1, 0), F.fragmentEntry(2, 0), F.fragmentEntry(1, 1), F.fragmentEntry(2, 1),
            entry(1, bad), F.fragmentEntry(2, 2), F.fragmentEntry(1, 2), F.fragmentEntry(1, 3), F.fragmentEntry(2, 3),
            .streamEnded(stream: 1, fragmentCount: 4, durationSeconds: 8),
            .streamEnded(stream: 2, fragmentCount: 4, durationSeconds: 8),
        ]
        return entries.map { $0.encoded() }
    }

    /// Applies `log` from index 1 in term 1; returns the events.
    @discardableResult
    static func apply(_ log: [[UInt8]], to catalogue: inout Catalogue) -> [CatalogueEvent?] {
        log.enumerated().map { catalogue.apply(payload: $1, at: UInt64($0 + 1), term: 1) }
    }

    /// Checks that stream 1 failed at fragment 2 with a reason containing `reason`, that the entries after it
    /// were refused, and that stream 2 is whole; returns stream 1's failure reason.
    @discardableResult
    func assertStreamOneFailed(
        _ log: [[UInt8]], reason expected: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        var catalogue = Catalogue()
        let events = Self.apply(log, to: &catalogue)
        guard case let .streamFailed(1, 2, reason)? = events[6] else {
            XCTFail("fragment 2 of stream 1: \(String(describing: events[6]))", file: file, line: line)
            return ""
        }
        XCTAssertTrue(reason.hasPrefix("fragment 2: "), reason, file: file, line: line)
        XCTAssertTrue(reason.contains(expected), "\(reason) does not say \(expected)", file: file, line: line)
        XCTAssertEqual(events[8], .ignored(.streamFailed(1)), "later fragments are refused", file: file, line: line)
        XCTAssertEqual(events[9], .ignored(.streamFailed(1)), file: file, line: line)
        XCTAssertEqual(events[11], .ignored(.streamFailed(1)), "so is an end", file: file, line: line)
        XCTAssertEqual(events[7], .fragmentCommitted(stream: 2, index: 2, logIndex: 8), file: file, line: line)
        XCTAssertEqual(events[12], .streamEnded(stream: 2, fragmentCount: 4), file: file, line: line)

        let failed = try XCTUnwrap(catalogue.stream(1), file: file, line: line)
        XCTAssertEqual(failed.state, .failed(reason: reason), file: file, line: line)
        XCTAssertEqual(failed.failureReason, reason, file: file, line: line)
        XCTAssertEqual(failed.fragments.map(\.index), [0, 1], "the good fragments stay", file: file, line: line)
        XCTAssertEqual(catalogue.firstMissingFragment(of: 1), 2, file: file, line: line)
        let other = try XCTUnwrap(catalogue.stream(2), file: file, line: line)
        XCTAssertEqual(other.fragments.map(\.index), [0, 1, 2, 3], "the other stream is untouched", file: file, line: line)
        XCTAssertEqual(other.state, .ended(fragmentCount: 4, durationSeconds: 8), file: file, line: line)

        // Same log, same state, on every node: one applying payloads, one decoding entries itself, one
        // restored from a snapshot taken just after the failure and applying the rest.
        var decoding = Catalogue()
        for (i, payload) in log.enumerated() {
            _ = decoding.apply(entry: try CatalogueEntry(decoding: payload), at: UInt64(i + 1), term: 1)
        }
        var prefix = Catalogue()
        Self.apply(Array(log[..<7]), to: &prefix)
        var restored = try Catalogue(snapshot: prefix.snapshot())
        XCTAssertEqual(restored, prefix, file: file, line: line)
        for (i, payload) in log.enumerated().dropFirst(7) { _ = restored.apply(payload: payload, at: UInt64(i + 1), term: 1) }
        for twin in [decoding, restored] {
            XCTAssertEqual(twin, catalogue, file: file, line: line)
            XCTAssertEqual(twin.snapshot(), catalogue.snapshot(), file: file, line: line)
            XCTAssertEqual(
                CatalogueHash.fnv1a64(twin.snapshot()), CatalogueHash.fnv1a64(catalogue.snapshot()), file: file, line: line)
        }
        // A failed stream can be removed like any other.
        XCTAssertEqual(catalogue.apply(entry: .streamRemoved(stream: 1), at: 100, term: 1), .streamRemoved(1))
        return reason
    }

    /// A jump of the decode times after fragment 1, at the magnitudes of the issue: 2³¹ ticks (152 s at
    /// 1/14,112,000), 10¹² (19.7 hours), 10¹⁵ (2.2 years) and 2⁶² ticks (10⁴ years). The first two break
    /// the jump limit, the others the stream's ±30 days.
    func testAJumpInTheDecodeTimesFailsTheStreamAndOnlyIt() throws {
        let cases: [(Int64, String)] = [
            (1 << 31, "starts 152.174 s after fragment 1 ends (limit 60 s)"),
            (1_000_000_000_000, "starts 70861.678 s after fragment 1 ends (limit 60 s)"),
            (1_000_000_000_000_000, "start 70861681.988 s beyond ±2592000 s"),
            (1 << 62, "start 326791809699.802 s beyond ±2592000 s"),
        ]
        for (jump, expected) in cases {
            try assertStreamOneFailed(Self.log(bad: Self.shifted(2, by: jump)), reason: expected)
        }
    }

    /// The biggest jump within the limit commits; one tick more fails the stream.
    func testTheJumpLimitIsExact() throws {
        let limitTicks = CatalogueLimits.maximumJumpSeconds * 14_112_000
        var catalogue = Catalogue()
        Self.apply(Array(Self.log(bad: Self.shifted(2, by: limitTicks)).prefix(7)), to: &catalogue)
        XCTAssertEqual(catalogue.stream(1)?.state, .live)
        XCTAssertEqual(catalogue.stream(1)?.fragments.count, 3)
        try assertStreamOneFailed(Self.log(bad: Self.shifted(2, by: limitTicks + 1)), reason: "60.000 s after fragment 1 ends")
    }

    func testTimesRunningBackwardsFailTheStream() throws {
        try assertStreamOneFailed(
            Self.log(bad: Self.shifted(2, by: -F.fragmentTicks - 1)), reason: "before fragment 1")
        // Far back: negative times.
        try assertStreamOneFailed(Self.log(bad: Self.shifted(2, by: -(1 << 40))), reason: "before fragment 1")
    }

    func testNegativeTimesAndDurationsAndStrayPacketsFailTheStream() throws {
        var negativeDuration = F.fragment(2)
        negativeDuration.durationPTS = -1
        try assertStreamOneFailed(Self.log(bad: negativeDuration), reason: "duration -0.000 s outside 0 … 600 s")
        var hugeDuration = F.fragment(2)
        hugeDuration.durationPTS = Int64.max
        try assertStreamOneFailed(Self.log(bad: hugeDuration), reason: "outside 0 … 600 s")
        var strayPacket = F.fragment(2)
        strayPacket.packets[1].pts = 1_000_000_000_000_000
        try assertStreamOneFailed(Self.log(bad: strayPacket), reason: "packet 1 (audio) time")
        var strayDTS = F.fragment(2)
        strayDTS.packets[2].dts = -1_000_000_000_000_000
        try assertStreamOneFailed(Self.log(bad: strayDTS), reason: "packet 2 (audio) decoding time")
        var longPacket = F.fragment(2)
        longPacket.packets[0].duration = Int64.max
        try assertStreamOneFailed(Self.log(bad: longPacket), reason: "packet 0 (audio) duration")

        // Fragment 0 far before (negative) or after the track's start fails its stream with no fragment.
        for shift: Int64 in [-1_000_000_000_000, 1_000_000_000_000] {
            var catalogue = Catalogue()
            let events = Self.apply(
                [CatalogueEntry.streamStarted(F.start(5)), Self.entry(5, Self.shifted(0, by: shift)), F.fragmentEntry(5, 1)]
                    .map { $0.encoded() }, to: &catalogue)
            guard case let .streamFailed(5, 0, reason)? = events[1] else { return XCTFail("\(String(describing: events[1]))") }
            XCTAssertTrue(reason.contains("from the track's start (limit 60 s)"), reason)
            XCTAssertEqual(events[2], .ignored(.streamFailed(5)))
            XCTAssertEqual(catalogue.stream(5)?.fragments.count, 0)
        }
    }

    /// A start outside the bounds never makes a stream: a negative or absurd cluster time, a time base
    /// that is not positive, an absurd sample rate or track start.
    func testStartsOutsideTheLimitsAreRefused() {
        var negative = F.start(1)
        negative.startClusterTime = ClusterTime(nanoseconds: -1)
        var far = F.start(2)
        far.startClusterTime = ClusterTime(nanoseconds: Int64.max)
        func start(_ id: StreamID, _ change: (inout StreamHeader) -> Void) -> CatalogueStreamStart {
            var header = F.header
            change(&header)
            var start = F.start(id)
            start.headerRecord = header.encoded()
            return start
        }
        let cases: [(CatalogueStreamStart, String)] = [
            (negative, "start cluster time -0.000000001s outside 0 … 2^62 ns"),
            (far, "outside 0 … 2^62 ns"),
            (start(3) { $0.audio.timeBase = TimeBase(-1, 14_112_000) }, "audio time base -1/14112000 is not positive"),
            (start(4) { $0.audio.timeBase = TimeBase(1, -14_112_000) }, "audio time base 1/-14112000 is not positive"),
            (start(5) { $0.audio.sampleRate = 0 }, "audio sample rate 0 Hz"),
            (start(6) { $0.audio.sampleRate = Int32.max }, "audio sample rate 2147483647 Hz"),
            (start(7) { $0.audio.startPTS = Int64.min }, "audio track start"),
        ]
        var catalogue = Catalogue()
        for (i, (start, expected)) in cases.enumerated() {
            let event = catalogue.apply(entry: .streamStarted(start), at: UInt64(i + 1), term: 1)
            guard case .ignored(.invalidStart(start.id, let reason)) = event else { XCTFail("\(event)"); continue }
            XCTAssertTrue(reason.contains(expected), "\(reason) does not say \(expected)")
        }
        XCTAssertTrue(catalogue.streams.isEmpty)
    }

    /// A log with a failed stream among retries, noise and other streams builds the same catalogue on every
    /// node, and the failure survives a snapshot.
    func testAFailedStreamIsPartOfTheReplicatedState() throws {
        var log = CatalogueTests.messyLog(seed: 3, length: 200)
        var probe = Catalogue()
        Self.apply(Array(log[..<100]), to: &probe)
        let live = try XCTUnwrap(probe.streams.first { $0.state == .live })
        log.insert(Self.entry(live.id, Self.shifted(live.fragments.count, by: 1 << 62)).encoded(), at: 100)
        var nodes = [Catalogue(), Catalogue()]
        var events: [CatalogueEvent?] = []
        for (i, payload) in log.enumerated() {
            events.append(nodes[0].apply(payload: payload, at: UInt64(i + 1), term: 1))
            if let entry = try? CatalogueEntry(decoding: payload) {
                _ = nodes[1].apply(entry: entry, at: UInt64(i + 1), term: 1)
            } else {
                _ = nodes[1].apply(payload: payload, at: UInt64(i + 1), term: 1)
            }
        }
        guard case .streamFailed(live.id, live.fragments.count, _)? = events[100] else {
            return XCTFail("\(String(describing: events[100]))")
        }
        XCTAssertTrue(events[101...].contains(.ignored(.streamFailed(live.id))), "the messy log goes on with the stream")
        XCTAssertEqual(nodes[0], nodes[1])
        XCTAssertEqual(nodes[0].snapshot(), nodes[1].snapshot())
        XCTAssertEqual(try Catalogue(snapshot: nodes[0].snapshot()), nodes[0])
    }
}
