import Audio
import Broadcast
import Foundation
import Media
import XCTest

/// The playback engine against the ffmpeg CLI's decoding of the whole file: with a perfect clock,
/// what reaches the device after the stream's start is exactly the reference — nothing missing,
/// nothing doubled — however the committed fragments arrive.
final class PlaybackEngineTests: XCTestCase {
    /// A delivery with bursts, early fragments and just-in-time ones: 0–2 at once 1.5 s before the
    /// start, then each fragment at a different lead before its first sample is due (from 3 s early
    /// to 120 ms), two bursts of three.
    private func mixedSchedule(_ harness: PlaybackHarness) throws -> [(at: Duration, fragments: [Int])] {
        let count = harness.media.fragments.count
        var schedule: [(at: Duration, fragments: [Int])] = [(harness.localTime(ofStreamSecond: -1.5), [0, 1, 2])]
        var index = 3
        var round = 0
        while index < count {
            let due = Double(try harness.firstSample(ofFragment: index)) / 48_000
            let leads = [3.0, 0.12, 0.5, 0.25]
            let lead = leads[round % leads.count]
            let group = round % 3 == 1 ? Array(index..<min(index + 3, count)) : [index]
            schedule.append((harness.localTime(ofStreamSecond: due - lead), group))
            index += group.count
            round += 1
        }
        return schedule
    }

    /// Plays `kind` through `sink` with the mixed delivery and returns what the sink received.
    private func checkInOrder(_ kind: String, sink: any AudioSink, captured: () throws -> [Int16]) throws {
        let media = try PlaybackMedia.stream(kind)
        XCTAssertGreaterThanOrEqual(media.fragments.count, 9)
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2))
        try harness.play(schedule: try mixedSchedule(harness), until: harness.afterTheEnd)
        let output = try captured()
        // 50 ms of silence (the device queue is filled up to the first sample), then the stream.
        let lead = 2_400 * 2
        XCTAssertEqual(output.count, lead + media.reference.count, "\(kind): nothing missing, nothing doubled")
        XCTAssertTrue(output.prefix(lead).allSatisfy { $0 == 0 }, "\(kind): silence before the start")
        assertSamplesEqual(output.dropFirst(lead), media.reference[...], kind)
        let stats = harness.engine.status
        XCTAssertEqual(stats.state, .idle, "the stream finished")
        XCTAssertEqual(stats.underruns, 0)
        XCTAssertEqual(stats.hardResyncs, 0)
        XCTAssertEqual(stats.stalledSamples, 0)
        XCTAssertEqual(stats.driftCorrectionFrames, 0)
        XCTAssertEqual(harness.engine.counters.fragmentsDecoded, media.fragments.count)
        XCTAssertEqual(harness.engine.counters.decoderResets, 0, "one decoder run, no pre-roll")
    }

    func testMP3InOrderThroughMemorySinkIsTheReferenceExactly() throws {
        let sink = MemorySink()
        try checkInOrder("mp3-cbr", sink: sink) { sink.samples }
    }

    func testAACInOrderThroughMemorySinkIsTheReferenceExactly() throws {
        let sink = MemorySink()
        try checkInOrder("m4a", sink: sink) { sink.samples }
    }

    /// The same through real alsa-lib: the `file` plugin over `null` captures exactly what was written.
    func testMP3InOrderThroughALSAFilePluginIsTheReferenceExactly() throws {
        let path = PlaybackMedia.scratch("alsa-capture-\(UUID().uuidString).raw")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try ALSASink(device: "file:FILE=\(path),FORMAT=raw")
        XCTAssertFalse(sink.pacesInRealTime, "the file plugin over null does not pace: the engine's playhead does")
        try checkInOrder("mp3-cbr", sink: sink) {
            try sink.drain()
            try sink.close()
            return PlaybackMedia.littleEndianSamples(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }
}
