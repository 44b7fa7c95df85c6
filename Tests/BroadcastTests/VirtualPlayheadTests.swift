import Audio
import Broadcast
import BroadcastTesting
import XCTest

final class VirtualPlayheadTests: XCTestCase {
    func testQueueDrainsAtTheNominalRateAndRunsDry() {
        var playhead = VirtualPlayhead(sampleRate: 48_000)
        XCTAssertEqual(playhead.queuedFrames(at: .seconds(1)), 0)
        playhead.wrote(frames: 2_400, at: .seconds(1))
        XCTAssertEqual(playhead.queuedFrames(at: .seconds(1)), 2_400)
        XCTAssertEqual(playhead.queuedFrames(at: .seconds(1) + .milliseconds(20)), 1_440)
        playhead.wrote(frames: 480, at: .seconds(1) + .milliseconds(20))
        XCTAssertEqual(playhead.queuedFrames(at: .seconds(1) + .milliseconds(20)), 1_920)
        XCTAssertEqual(playhead.drainedAt, .seconds(1) + .milliseconds(60))
        XCTAssertEqual(playhead.queuedFrames(at: .seconds(2)), 0)
        // After running dry, new audio plays from when it is written.
        playhead.wrote(frames: 480, at: .seconds(2))
        XCTAssertEqual(playhead.drainedAt, .seconds(2) + .milliseconds(10))
        XCTAssertEqual(playhead.framesWritten, 3_360)
    }

    /// The scheduler over a MemorySink with a virtual playhead on a manual clock: the sink receives
    /// exactly the stream's samples, each written no earlier than 60 ms before its time.
    func testSchedulerDrivesAnInstantSink() throws {
        let clock = ManualClock(start: .seconds(100))
        let sink = MemorySink(format: AudioFormat(sampleRate: 48_000, channels: 1))
        // Cluster time = local time − 90 s; the stream starts at cluster 10.5 s, i.e. local 100.5 s.
        let offset = Duration.seconds(90)
        let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 10_500_000_000), sampleRate: 48_000)
        var scheduler = PlayoutScheduler(timeline: timeline)
        var playhead = VirtualPlayhead(sampleRate: 48_000)
        var earliestLead = Duration.zero
        for _ in 0..<10_000 {
            let now = clock.now
            let clusterNow = ClusterTime.zero + (now - offset)
            let action = scheduler.next(
                PlayoutObservation(
                    now: clusterNow, queuedFrames: playhead.queuedFrames(at: now), available: 0..<48_000, streamEnd: 48_000))
            switch action {
            case .wait(let until):
                clock.sleep(until: now + (until - clusterNow))
            case .silence(let frames, _):
                try sink.write([Int16](repeating: 0, count: frames))
                playhead.wrote(frames: frames, at: now)
            case .play(let chunk):
                let pcm = chunk.samples.map { Int16(truncatingIfNeeded: $0 % 30_000 + 1) }
                try sink.write(chunk.render(pcm, channels: 1))
                playhead.wrote(frames: chunk.outputFrames, at: now)
                earliestLead = max(earliestLead, timeline.clusterTime(ofSample: chunk.firstSample) - clusterNow)
            case .skip:
                continue
            case .finished:
                break
            }
            if action == .finished { break }
        }
        XCTAssertEqual(scheduler.stats.playedSamples, 48_000)
        XCTAssertEqual(scheduler.stats.insertedFrames + scheduler.stats.droppedFrames, 0)
        XCTAssertEqual(sink.samples.count, 2_400 + 48_000, "50 ms of silence, then the stream")
        XCTAssertEqual(Array(sink.samples.dropFirst(2_400).prefix(3)), [1, 2, 3])
        XCTAssertEqual(sink.samples.last, Int16(47_999 % 30_000 + 1))
        XCTAssertLessThanOrEqual(earliestLead, .milliseconds(60))
    }
}
