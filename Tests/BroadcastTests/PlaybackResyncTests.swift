import Audio
import Broadcast
import BroadcastTesting
import Foundation
import Media
import XCTest

/// A large error is fixed at once: the player's thread is held up for 200 ms, the card runs dry,
/// and playback is 150 ms late when it looks again.
final class PlaybackResyncTests: XCTestCase {
    /// One underrun, then exactly one hard resync that skips the late samples (no silence, nothing
    /// played twice or late), and every sample after it is heard on time again.
    func testAStalledPlayerResyncsOnceBySkippingExactlyTheLateSamples() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let clock = ManualClock(start: .seconds(1_000))
        let card = SimulatedSoundCard(ppm: 0)
        let sink = SimulatedCardSink(card: card, clock: clock)
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2), clock: clock)
        var resyncs: [PlayoutAction] = []
        harness.engine.actionObserver = { action in
            sink.observe(action)
            if case .skip(_, _, .resync) = action { resyncs.append(action) }
        }
        harness.deliver(media.fragments.indices)
        try harness.engine.run(until: harness.localTime(ofStreamSecond: 5))
        clock.advance(by: .milliseconds(200))
        try harness.engine.run(until: harness.afterTheEnd)

        XCTAssertEqual(resyncs.count, 1)
        guard case .skip(let from, let to, _) = try XCTUnwrap(resyncs.first) else { return }
        XCTAssertEqual(Double(to - from), 7_200, accuracy: 480, "about 150 ms late: 200 ms stalled, 50 ms was queued")
        let status = harness.engine.status
        XCTAssertEqual(status.hardResyncs, 1)
        XCTAssertEqual(status.underruns, 1)
        XCTAssertEqual(status.stalledSamples, 0)

        // Every sample once, in order, except the skipped ones (and single frames dropped while
        // the error was confirmed); each carries its reference sample; after the resync each is
        // heard within one frame of its time.
        var expected: Int64 = 0
        var dropped = 0
        var worstAfter = 0.0
        for (frame, tag) in card.tags.enumerated() where tag >= 0 {
            if tag == to, expected <= from + 480 {
                expected = to
            } else if tag == expected + 1 {
                dropped += 1
                expected = tag
            }
            XCTAssertEqual(tag, expected, "frame \(frame)")
            if tag != expected { break }
            expected = tag + 1
            XCTAssertEqual(sink.samples[2 * frame], media.reference[2 * Int(tag)])
            if tag > to + 480 {
                let heard = card.heardTime(ofFrame: frame)
                let due = harness.timeline.clusterTime(ofSample: tag)
                worstAfter = max(worstAfter, abs((heard - (.nanoseconds(due.nanoseconds))).nanosecondsDouble))
            }
        }
        XCTAssertEqual(expected, Int64(media.frameCount), "played to the end")
        XCTAssertLessThanOrEqual(dropped, 1)
        XCTAssertLessThanOrEqual(worstAfter, 20_834, "on time after the resync")
    }
}
