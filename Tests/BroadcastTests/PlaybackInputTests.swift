import Audio
import Broadcast
import Foundation
import Media
import XCTest

/// What the engine does with late, repeated and foreign input, without a clock, with streams
/// removed and replaced, and with streams it cannot play.
final class PlaybackInputTests: XCTestCase {
    /// Fragment 5 is committed 300 ms after its first sample was due (fragments before it came
    /// early, some twice): silence stands in for what was missed, then playback continues at the
    /// sample due — the decoder run goes on (no pre-roll needed), so that is the reference exactly.
    func testAFragmentCommittedLateIsPlayedFromTheSampleDue() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2))
        let due5 = Double(try harness.firstSample(ofFragment: 5)) / 48_000
        harness.engine.fragmentCommitted(streamID: 0x07, index: 5, fragment: media.fragments[5])
        try harness.play(
            schedule: [
                (harness.localTime(ofStreamSecond: -1.5), [0, 1, 2, 3, 4]),
                (harness.localTime(ofStreamSecond: 3), [3, 4]),
                (harness.localTime(ofStreamSecond: due5 + 0.3), Array(5..<media.fragments.count)),
            ], until: harness.afterTheEnd)
        let output = Array(sink.samples.dropFirst(2_400 * 2))
        let reference = media.reference
        XCTAssertEqual(output.count, reference.count, "the timeline is kept")
        let start5 = try harness.firstSample(ofFragment: 5)
        var played = 0
        while played < output.count / 2, output[2 * played] == reference[2 * played] { played += 1 }
        XCTAssertGreaterThan(played, start5 - 200)
        XCTAssertLessThanOrEqual(played, start5)
        var resumed = played
        while resumed < output.count / 2, output[2 * resumed] == 0, output[2 * resumed + 1] == 0 { resumed += 1 }
        let late = resumed - start5
        XCTAssertGreaterThanOrEqual(late, 14_400, "300 ms missed")
        XCTAssertLessThanOrEqual(late, 14_400 + 2_400 + 480, "no more than the device queue and a chunk beyond")
        assertSamplesEqual(output[(resumed * 2)...], reference[(resumed * 2)...], "from the sample due")
        XCTAssertEqual(harness.engine.counters.decoderResets, 0, "the decoder run continued")
        XCTAssertEqual(harness.engine.status.hardResyncs, 0)
    }

    /// A stream that ended without its last fragment ever committed stops at the end of the last
    /// fragment it has, rather than stalling for ever; nothing past it is written.
    func testAStreamWhoseLastFragmentNeverCameStopsAtTheEndOfWhatItHas() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2))
        let last = media.fragments.count - 1
        harness.deliver(0..<last)
        harness.engine.streamEnded(streamID: 0x51, fragmentCount: media.fragments.count)
        try harness.engine.run(until: harness.afterTheEnd + .seconds(5))
        XCTAssertEqual(harness.engine.status.state, .idle, "finished")
        let lastStart = try harness.firstSample(ofFragment: last)
        let output = sink.samples.dropFirst(2_400 * 2)
        XCTAssertEqual(output.count / 2, lastStart, "up to the end of fragment \(last - 1), no further")
        let tail = 200
        assertSamplesEqual(output.prefix((lastStart - tail) * 2), media.reference.prefix((lastStart - tail) * 2), "all it had")
        XCTAssertTrue(output.suffix(16 * 2).allSatisfy { $0 == 0 }, "the resampler's undrained tail is silence")
    }

    /// Until clock sync has made its first map, cluster time is unknown and nothing is written.
    func testNothingIsPlayedBeforeTheClockIsSynchronized() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let clock = ManualClock(start: .seconds(50))
        let sink = MemorySink()
        let engine = try PlaybackEngine(
            sink: sink, clock: clock, clusterClock: ClusterClock(), playLogDirectory: nil,
            configuration: .init(node: "n2"))
        try engine.streamStarted(
            header: media.header, timeline: StreamTimeline(start: .zero, sampleRate: 48_000), streamID: 0x51)
        for (index, fragment) in media.fragments.enumerated() {
            engine.fragmentCommitted(streamID: 0x51, index: index, fragment: fragment)
        }
        XCTAssertEqual(try engine.pump(), .seconds(50) + .milliseconds(20), "look again in 20 ms")
        try engine.run(until: .seconds(52))
        XCTAssertEqual(sink.samples.count, 0)
        XCTAssertEqual(engine.status.state, .unsynchronized)
        XCTAssertNil(engine.status.clockOffsetNanoseconds)
        XCTAssertEqual(engine.counters.fragmentsDecoded, 0, "nothing decoded either")
    }

    /// A stream removed mid-play stops at once (what was queued plays out); the next stream starts
    /// on its own timeline, its first sample heard exactly at its start, and is its reference exactly.
    func testARemovedStreamStopsAndTheNextOnePlaysFromItsStart() throws {
        let first = try PlaybackMedia.stream("mp3-cbr")
        let second = try PlaybackMedia.stream("m4a")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: first, sink: sink, startIn: .seconds(1))
        harness.deliver(first.fragments.indices)
        try harness.engine.run(until: harness.localTime(ofStreamSecond: 3))
        harness.engine.streamRemoved(streamID: 0x51)
        let before = sink.samples.count
        XCTAssertEqual(harness.engine.status.state, .idle)
        XCTAssertNil(try harness.engine.pump(), "nothing to play")

        let start = harness.timeline.start + .seconds(5)
        try harness.engine.streamStarted(
            header: second.header, timeline: StreamTimeline(start: start, sampleRate: 48_000), streamID: 0x52)
        for (index, fragment) in second.fragments.enumerated() {
            harness.engine.fragmentCommitted(streamID: 0x52, index: index, fragment: fragment)
        }
        harness.engine.fragmentCommitted(streamID: 0x51, index: 0, fragment: first.fragments[0])
        harness.engine.streamEnded(streamID: 0x52, fragmentCount: second.fragments.count)
        try harness.engine.run(until: .nanoseconds(start.nanoseconds) + .seconds(21))
        XCTAssertEqual(before, (2_400 + 144_000 + 2_400) * 2, "s1 stopped 3 s in, with 50 ms queued")
        // The device never ran dry: silence follows s1 up to s2's first sample, heard at its start
        // (5.05 s of frames after s1's first write, which was 50 ms before s1's start).
        XCTAssertEqual(sink.samples.count / 2 - second.frameCount, 242_400)
        let silence = sink.samples.count - second.reference.count
        XCTAssertTrue(sink.samples[before..<silence].allSatisfy { $0 == 0 }, "silence between the streams")
        assertSamplesEqual(sink.samples[silence...], second.reference[...], "s2")
    }

    /// A timeline at another rate than the device's, or a codec without a decoder: a one-line
    /// error naming the stream, and the engine goes on with its other streams.
    func testStreamsThatCannotBePlayedAreRejectedWithAReason() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let clock = ManualClock()
        var clusterClock = ClusterClock()
        _ = clusterClock.becomeLeader(at: clock.now)
        let engine = try PlaybackEngine(
            sink: MemorySink(), clock: clock, clusterClock: clusterClock, playLogDirectory: nil,
            configuration: .init(node: "n1"))
        XCTAssertThrowsError(
            try engine.streamStarted(
                header: media.header, timeline: StreamTimeline(start: .zero, sampleRate: 44_100), streamID: 0x51)
        ) { error in
            XCTAssertEqual("\(error)", "stream 0000000000000051: its timeline runs at 44100 Hz but memory plays 48000 Hz")
        }
        var header = media.header
        header.audio.codecID = 0
        header.audio.codecName = "none"
        XCTAssertThrowsError(
            try engine.streamStarted(header: header, timeline: StreamTimeline(start: .zero, sampleRate: 48_000), streamID: 0x52)
        ) { error in
            XCTAssertTrue("\(error)".hasPrefix("stream 0000000000000052: cannot decode its audio: "), "\(error)")
        }
        XCTAssertEqual(engine.status.state, .idle)
        XCTAssertThrowsError(
            try PlaybackEngine(
                sink: MemorySink(), clock: clock, clusterClock: clusterClock, playLogDirectory: "/nonexistent/dir",
                configuration: .init(node: "n1"))
        ) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/dir/play-log.jsonl: cannot open the play log"), "\(error)")
        }
    }
}
