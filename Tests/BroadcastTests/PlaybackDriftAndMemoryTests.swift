import Audio
import Broadcast
import BroadcastTesting
import Foundation
import Media
import XCTest
import TestSupport

/// A sound card whose clock runs fast, and a long stream's memory.
final class PlaybackDriftAndMemoryTests: XCTestCase {
    /// A card 100 ppm fast (simulated on true time, reporting its queue as its delay): every stream
    /// sample is heard within ±1 ms of its time, the drift is absorbed by single inserted frames
    /// (never two adjacent, about 100 ppm of the stream), no resync, no underrun while playing, and
    /// every frame that carries a stream sample carries exactly the reference's.
    func testAHundredPPMFastCardStaysWithinOneMillisecondWithSingleFrameCorrections() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let clock = ManualClock(start: .seconds(1_000))
        let card = SimulatedSoundCard(ppm: 100)
        let sink = SimulatedCardSink(card: card, clock: clock)
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2), clock: clock)
        harness.engine.actionObserver = { sink.observe($0) }
        harness.deliver(media.fragments.indices)
        try harness.engine.run(until: harness.afterTheEnd)

        let tags = card.tags
        let reference = media.reference
        var worst = 0.0
        var expectedNext: Int64 = 0
        var lastInserted = -2
        var inserted = 0
        for (frame, tag) in tags.enumerated() {
            if tag == SimulatedSoundCard.inserted {
                XCTAssertGreaterThan(frame - lastInserted, 1, "inserted frames never touch")
                lastInserted = frame
                inserted += 1
                continue
            }
            guard tag >= 0 else { continue }
            XCTAssertEqual(tag, expectedNext, "every sample once, in order")
            expectedNext = tag + 1
            if frame % 48 == 0 {
                let heard = card.heardTime(ofFrame: frame)
                let due = harness.timeline.clusterTime(ofSample: tag)
                worst = max(worst, abs(Double(heard.wholeNanosecondsForTest - due.nanoseconds)) / 1e6)
            }
            if sink.samples[2 * frame] != reference[2 * Int(tag)] || sink.samples[2 * frame + 1] != reference[2 * Int(tag) + 1] {
                XCTFail("frame \(frame) does not carry sample \(tag) of the reference")
                break
            }
        }
        XCTAssertEqual(expectedNext, Int64(media.frameCount), "the whole stream")
        XCTAssertLessThan(worst, 1.0, "error within ±1 ms (worst \(worst) ms)")
        let status = harness.engine.status
        XCTAssertEqual(status.hardResyncs, 0)
        XCTAssertEqual(status.underruns, 0)
        XCTAssertEqual(status.driftCorrectionFrames, inserted)
        // 100 ppm of 20 s at 48 kHz is 96 frames.
        XCTAssertGreaterThan(inserted, 70)
        XCTAssertLessThan(inserted, 120)
    }

    /// Ten minutes of a low-bitrate MP3, committed 3 s ahead of its time: the engine never holds
    /// more than about three seconds of decoded PCM (1 s ahead plus the fragment just decoded) or a few undecoded fragments, plays all of it,
    /// and drops fragments as they are played.
    func testATenMinuteStreamKeepsMemoryBounded() throws {
        let path = PlaybackMedia.scratch("ten-minutes.mp3")
        if !FileManager.default.fileExists(atPath: path) {
            let made = try ToolProcess.run(
                "ffmpeg",
                ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050:duration=600",
                 "-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k", path])
            XCTAssertEqual(made.status, 0, made.stderrText)
        }
        let media = try PlaybackMedia.load(path, withReference: false)
        XCTAssertGreaterThanOrEqual(media.fragments.count, 290)
        let sink = CountingSink()
        // Larger chunks keep the debug run short; memory does not depend on them.
        let configuration = PlaybackEngine.Configuration(
            node: "n1", playout: .init(targetQueue: .milliseconds(250), chunk: .milliseconds(100)))
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(3), configuration: configuration)
        var schedule: [(at: Duration, fragments: [Int])] = []
        for index in media.fragments.indices {
            let due = Double(try harness.firstSample(ofFragment: index)) / 48_000
            schedule.append((harness.localTime(ofStreamSecond: due - 3), [index]))
        }
        try harness.play(schedule: schedule, until: harness.localTime(ofStreamSecond: 601))

        let counters = harness.engine.counters
        XCTAssertEqual(counters.fragmentsDecoded, media.fragments.count)
        XCTAssertEqual(harness.engine.status.state, .idle, "played to the end")
        let played = Double(sink.framesWritten) / 48_000
        XCTAssertEqual(played, 600.25, accuracy: 0.1, "250 ms of queue filled before the start, then 600 s")
        let secondsOfStereo = 48_000 * 2
        // 1 s decoded ahead + one 2.09 s fragment decoded at once, + ¼ s consumed before compaction.
        XCTAssertLessThanOrEqual(counters.peakBufferedFrames, 48_000 * 31 / 10, "decoded and unplayed PCM stays under 3.1 s")
        XCTAssertLessThanOrEqual(counters.peakStoredSamples, secondsOfStereo * 335 / 100, "storage stays under 3.35 s")
        XCTAssertLessThanOrEqual(counters.peakHeldFragments, 3, "fragments are dropped once decoded")
    }
}

extension Duration {
    /// Whole nanoseconds, for comparing with cluster times.
    fileprivate var wholeNanosecondsForTest: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
