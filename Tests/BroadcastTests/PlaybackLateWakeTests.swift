import Audio
import Broadcast
import XCTest

/// A player thread never wakes exactly when asked: here every wake-up comes 13 µs (0.62 frame) late,
/// so the stream's start falls between two frames of the output. The residual error is under half a
/// frame; whole-frame corrections cannot shrink it, and the engine leaves it alone: the output is the
/// reference exactly (before, the controller dithered one frame in and out every few seconds).
final class PlaybackLateWakeTests: XCTestCase {
    func testASubFrameStartPhasePlaysBitExactWithoutCorrections() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .milliseconds(500))
        harness.deliver(0..<media.fragments.count)
        let end = harness.afterTheEnd
        let clock = harness.clock
        // Bounded: every round moves the clock forward by at least 13 µs.
        while clock.now < end {
            let wake = try harness.engine.pump() ?? end
            clock.sleep(until: max(min(wake, end), clock.now) + .microseconds(13))
        }
        let status = harness.engine.status
        XCTAssertEqual(status.driftCorrectionFrames, 0)
        XCTAssertEqual(status.hardResyncs, 0)
        let error = try XCTUnwrap(status.syncErrorNanoseconds)
        XCTAssertNotEqual(error, 0, "the start really falls between two frames")
        XCTAssertLessThan(abs(error), 10_417, "under half a frame")
        let samples = sink.samples
        let first = try XCTUnwrap(samples.firstIndex { $0 != 0 })
        let referenceFirst = try XCTUnwrap(media.reference.firstIndex { $0 != 0 })
        let start = first - referenceFirst
        XCTAssertGreaterThanOrEqual(start, 0)
        assertSamplesEqual(samples[start...], media.reference[...], "after the leading silence")
    }
}
