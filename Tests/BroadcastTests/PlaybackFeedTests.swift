import Audio
import Broadcast
import BroadcastTesting
import Foundation
import Media
import XCTest

/// The rules of ``PlaybackFeed`` (what the catalogue's changes and a replayed catalogue make the engine
/// do), over the in-memory ``CatalogueTwin`` with real media (ffmpeg-made MP3, Media's fragmenter): the
/// calls it makes on a recording input, what the real engine plays when fed, and that a committed
/// fragment is decoded once (by the catalogue) and played as that very value.
final class PlaybackFeedTests: XCTestCase {
    /// Records the feed's calls, in order; refuses the streams in `refused` as the engine refuses a stream
    /// it cannot play.
    final class RecordingInput: PlaybackInput {
        enum Call: Equatable {
            case started(StreamID, start: ClusterTime, rate: Int)
            case fragment(StreamID, index: Int)
            case ended(StreamID, fragments: Int)
            case removed(StreamID)
            case playUntil(StreamID, ClusterTime?)
        }

        let outputSampleRate = 48_000
        var refused: Set<StreamID> = []
        private(set) var calls: [Call] = []
        private(set) var fragments: [Fragment] = []

        func streamStarted(header: StreamHeader, timeline: StreamTimeline, streamID: StreamID) throws(PlaybackError) {
            if refused.contains(streamID) {
                throw .sampleRateMismatch(stream: streamID, timeline: timeline.sampleRate, device: "test", deviceRate: 1)
            }
            calls.append(.started(streamID, start: timeline.start, rate: timeline.sampleRate))
        }

        func fragmentCommitted(streamID: StreamID, index: Int, fragment: Fragment) {
            calls.append(.fragment(streamID, index: index))
            fragments.append(fragment)
        }

        func streamEnded(streamID: StreamID, fragmentCount: Int) { calls.append(.ended(streamID, fragments: fragmentCount)) }

        func streamRemoved(streamID: StreamID) { calls.append(.removed(streamID)) }

        func streamPlayUntil(streamID: StreamID, time: ClusterTime?) { calls.append(.playUntil(streamID, time)) }

        var started: Set<StreamID> = []
        func hasStartedPlaying(streamID: StreamID) -> Bool { started.contains(streamID) }

        var clusterNow: ClusterTime?

        /// The fragment indices handed over for `stream`.
        func fragmentIndices(of stream: StreamID) -> [Int] {
            calls.compactMap { if case let .fragment(id, index) = $0, id == stream { index } else { nil } }
        }
    }

    /// A feed into `input`, subscribed to `twin` (the twin delivers on the committing thread); problems
    /// are collected in `problems`.
    final class Wiring: @unchecked Sendable {
        let twin = CatalogueTwin()
        var problems: [PlaybackFeedProblem] = []
        private(set) var feed: PlaybackFeed!

        init(input: any PlaybackInput, subscribe: Bool = true) {
            feed = PlaybackFeed(input: input, events: twin) { [unowned self] in problems.append($0) }
            if subscribe { _ = twin.subscribe { [unowned self] batch in for event in batch { feed.apply(event) } } }
        }
    }

    static let start = ClusterTime(nanoseconds: 50_000_000_000)

    static func startEntry(_ id: StreamID, _ media: PlaybackMedia.Stream, at start: ClusterTime = start) -> CatalogueEntry {
        .streamStarted(
            CatalogueStreamStart(
                id: id, name: "feed", source: CatalogueSource(fileName: "feed.mp3", size: 1, sha256: [UInt8](repeating: 7, count: 32)),
                headerRecord: media.header.encoded(), startClusterTime: start, fragmentSeconds: 2,
                expectedFragmentCount: media.fragments.count, isPaced: false))
    }

    static func fragmentEntry(_ id: StreamID, _ fragment: Fragment) -> CatalogueEntry {
        .fragment(stream: id, index: fragment.index, record: fragment.encoded()[...])
    }

    static func endEntry(_ id: StreamID, _ media: PlaybackMedia.Stream) -> CatalogueEntry {
        .streamEnded(stream: id, fragmentCount: media.fragments.count, durationSeconds: Double(media.frameCount) / 48_000)
    }

    // MARK: Live changes

    /// Start, fragments, end, failure and removal as they commit: each becomes one engine call, in commit
    /// order, with the stream's timeline at its programme start on the output rate (the second stream is
    /// queued: it is handed over once the first has ended and its start is known); leader changes and
    /// refused entries change nothing.
    func testCommittedChangesDriveTheEngineInCommitOrder() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let input = RecordingInput()
        let wiring = Wiring(input: input)
        wiring.twin.commit(Self.startEntry(1, media))
        wiring.twin.commit(Self.startEntry(2, media, at: Self.start + .seconds(30)))
        wiring.feed.apply(.leaderChanged(leader: "n2", term: 3, isSelf: false))
        for fragment in media.fragments.prefix(3) { wiring.twin.commit(Self.fragmentEntry(1, fragment)) }
        // A duplicate is refused by the catalogue and not published; handed over anyway, it is ignored.
        let duplicate = wiring.twin.commit(Self.fragmentEntry(1, media.fragments[2]))
        XCTAssertEqual(duplicate.event, .ignored(.duplicateFragment(stream: 1, index: 2)))
        wiring.feed.apply(.catalogue(duplicate))
        wiring.twin.commit(.streamEnded(stream: 1, fragmentCount: 3, durationSeconds: 6))
        wiring.twin.commit(Self.fragmentEntry(2, media.fragments[0]))
        var bad = media.fragments[1]
        bad.durationPTS = -1
        let failed = wiring.twin.commit(Self.fragmentEntry(2, bad))
        guard case .streamFailed(2, 1, _) = failed.event else { return XCTFail("\(failed.event)") }
        wiring.twin.commit(.streamRemoved(stream: 1))

        XCTAssertEqual(
            input.calls,
            [
                .started(1, start: Self.start, rate: 48_000),
                .fragment(1, index: 0), .fragment(1, index: 1), .fragment(1, index: 2),
                .started(2, start: Self.start + .seconds(30), rate: 48_000), .ended(1, fragments: 3),
                .fragment(2, index: 0), .ended(2, fragments: 1), .removed(1),
            ])
        XCTAssertEqual(input.fragments, Array(media.fragments.prefix(3)) + [media.fragments[0]])
        XCTAssertEqual(wiring.problems, [])
    }

    /// A committed fragment is decoded once on the live path: by the catalogue, which validates it; the
    /// engine receives that very value (the same packet buffers, not a second decode or a copy).
    func testACommittedFragmentIsDecodedOnceAndTheEngineGetsTheCatalogueValue() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let input = RecordingInput()
        let wiring = Wiring(input: input)
        wiring.twin.commit(Self.startEntry(1, media))
        let entries = media.fragments.map { Self.fragmentEntry(1, $0) }

        let before = FragmentDecodeCounter.decoded
        let changes = entries.map { wiring.twin.commit($0) }
        let decodes = FragmentDecodeCounter.decoded - before

        XCTAssertEqual(decodes, media.fragments.count, "one decode per committed fragment (catalogue and feed together)")
        XCTAssertEqual(input.fragmentIndices(of: 1), Array(media.fragments.indices))
        XCTAssertEqual(input.fragments, media.fragments)
        for (change, played) in zip(changes, input.fragments) {
            let decoded = try XCTUnwrap(change.fragment)
            XCTAssertTrue(Self.sharesStorage(decoded, played), "fragment \(decoded.index) was copied or decoded again")
        }
    }

    /// Whether every packet of `a` and `b` holds the same buffer.
    static func sharesStorage(_ a: Fragment, _ b: Fragment) -> Bool {
        guard a.packets.count == b.packets.count, !a.packets.isEmpty else { return false }
        return zip(a.packets, b.packets).allSatisfy { p, q in
            p.data.withUnsafeBufferPointer { x in q.data.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
        }
    }

    /// A change that says a fragment was committed but carries none is reported, not played.
    func testAFragmentChangeWithoutItsFragmentIsReported() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let input = RecordingInput()
        let wiring = Wiring(input: input, subscribe: false)
        wiring.feed.apply(.catalogue(wiring.twin.commit(Self.startEntry(4, media))))
        wiring.feed.apply(.catalogue(CatalogueChange(event: .fragmentCommitted(stream: 4, index: 2, logIndex: 9), logIndex: 9)))
        XCTAssertEqual(input.calls, [.started(4, start: Self.start, rate: 48_000)])
        XCTAssertEqual(wiring.problems, [.fragmentMissing(stream: 4, index: 2, logIndex: 9)])
    }

    /// A stream the real engine cannot play (no decoder for its codec) is reported and skipped; its
    /// fragments are not taken, and the stream queued after it is.
    func testAStreamTheEngineRefusesIsReportedAndTheOthersGoOn() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        var clusterClock = ClusterClock()
        let clock = ManualClock(start: .seconds(1_000))
        _ = clusterClock.becomeLeader(at: clock.now)
        let engine = try PlaybackEngine(
            sink: MemorySink(), clock: clock, clusterClock: clusterClock, playLogDirectory: nil, configuration: .init(node: "n1"))
        let wiring = Wiring(input: engine)
        var header = media.header
        header.audio.codecID = 0
        header.audio.codecName = "none"
        guard case .streamStarted(var start) = Self.startEntry(1, media) else { return XCTFail() }
        start.headerRecord = header.encoded()
        wiring.twin.commit(.streamStarted(start))
        wiring.twin.commit(Self.fragmentEntry(1, media.fragments[0]))
        wiring.twin.commit(.streamEnded(stream: 1, fragmentCount: 1, durationSeconds: 2))
        wiring.twin.commit(Self.startEntry(2, media))

        XCTAssertEqual(wiring.problems.count, 1)
        guard case let .unplayableStream(1, reason)? = wiring.problems.first else { return XCTFail("\(wiring.problems)") }
        XCTAssertTrue(reason.hasPrefix("stream 0000000000000001: cannot decode its audio: "), reason)
        XCTAssertNil(engine.playoutStats(streamID: 1))
        XCTAssertNotNil(engine.playoutStats(streamID: 2))
        XCTAssertEqual(engine.status.stream, 2)
    }

    /// Fed by the twin, the real engine plays the stream exactly as ffmpeg decodes the file, after the
    /// silence that fills the device queue up to the stream's cluster start.
    func testTheFedEnginePlaysTheStreamBitExact() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let clock = ManualClock(start: .seconds(1_000))
        var clusterClock = ClusterClock()
        _ = clusterClock.becomeLeader(at: clock.now)
        let sink = MemorySink()
        let engine = try PlaybackEngine(
            sink: sink, clock: clock, clusterClock: clusterClock, playLogDirectory: nil, configuration: .init(node: "n1"))
        let wiring = Wiring(input: engine)
        let start = try XCTUnwrap(clusterClock.clusterTime(at: clock.now)) + .seconds(1)
        wiring.twin.commit(Self.startEntry(7, media, at: start))
        for fragment in media.fragments { wiring.twin.commit(Self.fragmentEntry(7, fragment)) }
        wiring.twin.commit(Self.endEntry(7, media))
        try engine.run(until: clock.now + .seconds(1) + .seconds(Double(media.frameCount) / 48_000 + 1))

        XCTAssertEqual(wiring.problems, [])
        // 50 ms of silence (the device queue is filled up to the first sample), then the stream.
        let lead = 2_400 * 2
        XCTAssertEqual(sink.samples.count, lead + media.reference.count, "nothing missing, nothing doubled")
        XCTAssertTrue(sink.samples.prefix(lead).allSatisfy { $0 == 0 })
        assertSamplesEqual(sink.samples.dropFirst(lead), media.reference[...], "fed engine")
        XCTAssertEqual(engine.counters.fragmentsDecoded, media.fragments.count)
    }

    // MARK: Replay at start-up

    /// Without cluster time every programme item whose start is known is replayed with all its fragments
    /// read back from the log (each decoded once, here), and ended or failed streams are ended (a failed one
    /// at its last good fragment); each item starts where the one before ends, which stops there.
    func testReplayWithoutClusterTimeHandsOverEverything() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let input = RecordingInput()
        let wiring = Wiring(input: input, subscribe: false)
        for id: StreamID in [1, 3, 2] { wiring.twin.commit(Self.startEntry(id, media)) }
        for fragment in media.fragments {
            wiring.twin.commit(Self.fragmentEntry(1, fragment))
            if fragment.index < 4 { wiring.twin.commit(Self.fragmentEntry(2, fragment)) }
        }
        wiring.twin.commit(Self.endEntry(1, media))
        wiring.twin.commit(Self.fragmentEntry(3, media.fragments[0]))
        var bad = media.fragments[1]
        bad.durationPTS = -1
        wiring.twin.commit(Self.fragmentEntry(3, bad))

        let before = FragmentDecodeCounter.decoded
        wiring.feed.replay(wiring.twin.current, clusterNow: nil)

        XCTAssertEqual(FragmentDecodeCounter.decoded - before, media.fragments.count + 4 + 1)
        let schedule = wiring.twin.current.programmeSchedule()
        XCTAssertEqual(schedule.map(\.id), [1, 3, 2])
        let end1 = try XCTUnwrap(schedule[0].end)
        let end3 = try XCTUnwrap(schedule[1].end)
        XCTAssertEqual(schedule[1].start, end1)
        XCTAssertEqual(schedule[2].start, end3)
        XCTAssertNil(schedule[2].end, "a live stream's end is not known")
        let all = Array(media.fragments.indices)
        XCTAssertEqual(
            input.calls,
            [.started(1, start: Self.start, rate: 48_000), .playUntil(1, end1)] + all.map { .fragment(1, index: $0) }
                + [.ended(1, fragments: all.count)]
                + [.started(3, start: end1, rate: 48_000), .playUntil(3, end3), .fragment(3, index: 0), .ended(3, fragments: 1)]
                + [.started(2, start: end3, rate: 48_000)] + (0..<4).map { .fragment(2, index: $0) })
        XCTAssertEqual(input.fragments, media.fragments + [media.fragments[0]] + Array(media.fragments.prefix(4)))
        XCTAssertEqual(wiring.problems, [])
    }

    /// With cluster time: an item whose playout ended more than a second ago is not replayed (ended or
    /// failed), an item under way gets only the fragments that end less than `replayMargin` (5 s) before
    /// now — with 2 s fragments at 12 s into the stream, fragments 3 on (3 ends at ~8 s) — and an upcoming
    /// item gets everything committed.
    func testReplayWithClusterTimeSkipsWhatIsOver() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        XCTAssertEqual(media.fragments.count, 10)
        let input = RecordingInput()
        let wiring = Wiring(input: input, subscribe: false)
        // Programme: 4 (failed after 2 fragments), 1 (ended), 2 (ended), 3 (live).
        for id: StreamID in [4, 1, 2, 3] { wiring.twin.commit(Self.startEntry(id, media)) }
        for fragment in media.fragments {
            for id: StreamID in [1, 2, 3] { wiring.twin.commit(Self.fragmentEntry(id, fragment)) }
            if fragment.index < 2 { wiring.twin.commit(Self.fragmentEntry(4, fragment)) }
        }
        var bad = media.fragments[2]
        bad.durationPTS = -1
        wiring.twin.commit(Self.fragmentEntry(4, bad))
        wiring.twin.commit(Self.endEntry(1, media))
        wiring.twin.commit(Self.endEntry(2, media))
        let schedule = wiring.twin.current.programmeSchedule()
        XCTAssertEqual(schedule.map(\.id), [4, 1, 2, 3])
        let now = try XCTUnwrap(schedule[2].start) + .seconds(12)

        wiring.feed.replay(wiring.twin.current, clusterNow: now)

        for over: StreamID in [4, 1] {
            XCTAssertEqual(input.fragmentIndices(of: over), [])
            XCTAssertFalse(input.calls.contains { if case .started(over, _, _) = $0 { true } else { false } })
        }
        XCTAssertEqual(input.fragmentIndices(of: 2), Array(3..<10))
        XCTAssertTrue(input.calls.contains(.ended(2, fragments: 10)))
        XCTAssertEqual(input.fragmentIndices(of: 3), Array(0..<10))
        XCTAssertFalse(input.calls.contains { if case .ended(3, _) = $0 { true } else { false } })
    }

    /// A record the log no longer has is reported and skipped; the rest of the stream, and the next item,
    /// are replayed. A stream the input refuses gets nothing more.
    func testReplayReportsWhatItCannotHandOverAndGoesOn() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let input = RecordingInput()
        input.refused = [2]
        let wiring = Wiring(input: input, subscribe: false)
        wiring.twin.commit(Self.startEntry(1, media))
        wiring.twin.commit(Self.startEntry(2, media))
        var firstKept: UInt64 = 0
        for fragment in media.fragments.prefix(4) {
            let change = wiring.twin.commit(Self.fragmentEntry(1, fragment))
            if fragment.index == 2 { firstKept = change.logIndex }
            wiring.twin.commit(Self.fragmentEntry(2, fragment))
        }
        wiring.twin.commit(.streamEnded(stream: 1, fragmentCount: 4, durationSeconds: 8))
        wiring.twin.compact(below: firstKept)

        wiring.feed.replay(wiring.twin.current, clusterNow: nil)

        XCTAssertEqual(input.fragmentIndices(of: 1), [2, 3])
        XCTAssertEqual(input.fragmentIndices(of: 2), [])
        XCTAssertEqual(wiring.problems.map(\.stream), [1, 1, 2])
        guard case .unreadableFragment(1, 0, let reason) = wiring.problems[0], case .unreadableFragment(1, 1, _) = wiring.problems[1],
            case .unplayableStream(2, _) = wiring.problems[2]
        else { return XCTFail("\(wiring.problems)") }
        XCTAssertTrue(reason.contains("compacted"), reason)
    }
}
