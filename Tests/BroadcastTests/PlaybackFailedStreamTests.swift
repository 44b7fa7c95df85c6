import Audio
import Broadcast
import Foundation
import Media
import XCTest

/// A stream the engine cannot play (a fragment whose times jump by 6 × 10⁹ s, a track start far beyond
/// the timeline) is dropped on this node with a reason, and the next stream plays exactly; a stream the
/// catalogue failed (handed over as ended at its last good fragment, possibly none) stops and lets the next
/// one play.
final class PlaybackFailedStreamTests: XCTestCase {
    /// `fragment` with every time moved by `seconds` of its reference time base (a `tfdt` jump).
    static func jumped(_ fragment: Fragment, bySeconds seconds: Int64, timeBase: TimeBase) -> Fragment {
        let shift = seconds * Int64(timeBase.denominator) / Int64(timeBase.numerator)
        var moved = fragment
        moved.startPTS += shift
        for p in moved.packets.indices {
            moved.packets[p].pts = moved.packets[p].pts.map { $0 + shift }
            moved.packets[p].dts = moved.packets[p].dts.map { $0 + shift }
        }
        return moved
    }

    /// Plays `second` from `start` to its end on `harness`'s engine and checks that the sink holds, from
    /// `before` on, silence and then exactly `second`'s reference.
    func assertNextStreamPlays(
        _ second: PlaybackMedia.Stream, on harness: PlaybackHarness, sink: MemorySink, start: ClusterTime, after before: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        try harness.engine.streamStarted(
            header: second.header, timeline: StreamTimeline(start: start, sampleRate: 48_000), streamID: 0x52)
        for (index, fragment) in second.fragments.enumerated() {
            harness.engine.fragmentCommitted(streamID: 0x52, index: index, fragment: fragment)
        }
        harness.engine.streamEnded(streamID: 0x52, fragmentCount: second.fragments.count)
        try harness.engine.run(until: .nanoseconds(start.nanoseconds) + .seconds(21))
        XCTAssertEqual(harness.engine.status.state, .idle, "s2 finished", file: file, line: line)
        let silence = sink.samples.count - second.reference.count
        XCTAssertGreaterThanOrEqual(silence, before, file: file, line: line)
        XCTAssertTrue(sink.samples[before..<silence].allSatisfy { $0 == 0 }, "silence between the streams", file: file, line: line)
        assertSamplesEqual(sink.samples[silence...], second.reference[...], "s2", file: file, line: line)
    }

    func testAFragmentWhoseTimesJumpBySixBillionSecondsDropsItsStreamAndTheNextPlays() throws {
        let first = try PlaybackMedia.stream("mp3-cbr")
        let second = try PlaybackMedia.stream("m4a")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: first, sink: sink, startIn: .seconds(1))
        var dropped: [(StreamID, String)] = []
        harness.engine.streamFailureObserver = { dropped.append(($0, $1)) }
        harness.deliver(0..<2)
        try harness.engine.run(until: harness.localTime(ofStreamSecond: 3))
        XCTAssertEqual(harness.engine.status.state, .playing)

        let bad = Self.jumped(first.fragments[2], bySeconds: 6_000_000_000, timeBase: first.header.audio.timeBase)
        harness.engine.fragmentCommitted(streamID: 0x51, index: 2, fragment: bad)
        XCTAssertEqual(dropped.map(\.0), [0x51])
        let reason = try XCTUnwrap(dropped.first?.1)
        XCTAssertTrue(reason.hasPrefix("fragment 2: ") && reason.contains("beyond ±2592000 s"), reason)
        XCTAssertEqual(harness.engine.failedStreams, [0x51: reason])
        XCTAssertEqual(harness.engine.counters.streamsFailed, 1)
        XCTAssertEqual(harness.engine.status.state, .idle, "s1 is gone")
        let before = sink.samples.count
        XCTAssertEqual(before, (2_400 + 144_000 + 2_400) * 2, "s1 stopped 3 s in, with 50 ms queued")

        // Nothing brings it back: later fragments and a second start are ignored.
        harness.deliver(3..<first.fragments.count)
        try harness.engine.streamStarted(header: first.header, timeline: harness.timeline, streamID: 0x51)
        XCTAssertEqual(harness.engine.status.state, .idle)
        try assertNextStreamPlays(second, on: harness, sink: sink, start: harness.timeline.start + .seconds(5), after: before)
        XCTAssertEqual(dropped.count, 1)
    }

    /// A track whose start lies 2⁶² ticks before its packets (the catalogue refuses such a start; a
    /// snapshot of an older build may hold one): its first fragment maps beyond ±2⁵⁰ samples.
    func testATrackStartBeyondTheTimelineDropsItsStreamAndTheNextPlays() throws {
        let first = try PlaybackMedia.stream("mp3-cbr")
        let second = try PlaybackMedia.stream("m4a")
        let sink = MemorySink()
        var header = first.header
        header.audio.startPTS = -(1 << 62)
        var absurd = first
        absurd.header = header
        let harness = try PlaybackHarness(media: absurd, sink: sink, startIn: .seconds(1))
        var dropped: [String] = []
        harness.engine.streamFailureObserver = { _, reason in dropped.append(reason) }
        // A node joining late: its first fragment is fragment 1.
        harness.deliver(1..<3)
        try harness.engine.run(until: harness.localTime(ofStreamSecond: 1))
        XCTAssertEqual(dropped.count, 1)
        XCTAssertTrue(dropped[0].hasPrefix("fragment 1: audio time ") && dropped[0].contains("lies beyond the timeline"), "\(dropped)")
        XCTAssertEqual(harness.engine.status.state, .idle)
        try assertNextStreamPlays(second, on: harness, sink: sink, start: harness.timeline.start + .seconds(3), after: sink.samples.count)
    }

    /// The catalogue failed a stream at its first fragment: the node hands it over as ended with no
    /// fragment, and it must stop rather than hold the device for ever.
    func testAStreamEndedWithoutAnyFragmentFinishesAndTheNextPlays() throws {
        let first = try PlaybackMedia.stream("mp3-cbr")
        let second = try PlaybackMedia.stream("m4a")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: first, sink: sink, startIn: .seconds(1))
        harness.engine.streamEnded(streamID: 0x51, fragmentCount: 0)
        try harness.engine.run(until: harness.localTime(ofStreamSecond: 0.5))
        XCTAssertEqual(harness.engine.status.state, .idle, "nothing to play in s1")
        XCTAssertEqual(harness.engine.counters.streamsFailed, 0)
        try assertNextStreamPlays(second, on: harness, sink: sink, start: harness.timeline.start + .seconds(2), after: sink.samples.count)
    }
}
