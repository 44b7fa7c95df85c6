import Audio
import Foundation
import XCTest

final class PacedPlayerTests: XCTestCase {
    private let rate = 48_000
    private let lead = Duration.milliseconds(50)

    /// Feeds `seconds` of signal in decoder-sized pieces of 1152 frames (an MP3 frame).
    private func play(_ signal: [Int16], through player: PacedPlayer, progress: ((PlaybackPosition) -> Void)? = nil) throws {
        let piece = 1_152 * 2
        var offset = 0
        while offset < signal.count {
            let end = min(offset + piece, signal.count)
            try player.write(Array(signal[offset..<end]))
            progress?(player.position())
            offset = end
        }
    }

    func testTenSecondsThroughAnInstantSinkTakeTenSecondsOfClockTime() throws {
        let clock = ManualClock(start: .seconds(100))
        let sink = TimedRecordingSink(clock: clock)
        let player = PacedPlayer(sink: sink, clock: clock, configuration: .init(lead: lead))
        let signal = TestSignal.make(frames: 10 * rate)
        try play(signal, through: player)
        try player.finish()

        let start = try XCTUnwrap(player.startTime)
        XCTAssertEqual(start, .seconds(100) + lead, "unscheduled playback starts one lead after the first write")
        XCTAssertEqual(clock.now, start + .seconds(10), "finish returns when the last frame is due")
        XCTAssertEqual(sink.drainedAt, clock.now)
        XCTAssertEqual(sink.samples, signal)
        for write in sink.writes {
            let due = start + AudioFormat.standard.duration(ofFrames: write.firstFrame)
            XCTAssertEqual(write.time, max(due - lead, .seconds(100)), "frame \(write.firstFrame) written one lead early")
            XCTAssertLessThanOrEqual(write.frames, 960, "chunks of at most 20 ms")
        }
        XCTAssertGreaterThan(clock.sleeps.count, 400, "the player waited between chunks rather than all at once")
    }

    func testProgressOfAnInstantSinkFollowsTheClock() throws {
        let clock = ManualClock()
        let sink = TimedRecordingSink(clock: clock)
        let player = PacedPlayer(sink: sink, clock: clock, configuration: .init(lead: lead))
        var positions: [PlaybackPosition] = []
        try play(TestSignal.make(frames: 2 * rate), through: player) { positions.append($0) }
        for position in positions {
            let elapsed = AudioFormat.standard.frames(in: position.time - .milliseconds(50))
            XCTAssertEqual(position.framesHeard, max(elapsed, 0))
            XCTAssertEqual(position.framesHeard, position.framesDue, "an instant sink is always on schedule")
            XCTAssertLessThanOrEqual(position.framesWritten - position.framesHeard, AudioFormat.standard.frames(in: lead) + 960)
        }
        XCTAssertEqual(player.position(at: .seconds(60)).framesHeard, 2 * rate, "heard never exceeds written")
    }

    func testScheduledStartWaitsForTheStartTime() throws {
        let clock = ManualClock()
        let sink = TimedRecordingSink(clock: clock)
        let player = PacedPlayer(sink: sink, clock: clock, configuration: .init(lead: lead))
        player.schedule(startAt: .seconds(3))
        XCTAssertEqual(player.position().framesHeard, 0)
        try player.write(TestSignal.make(frames: rate / 2))
        XCTAssertEqual(sink.writes.first?.time, .seconds(3) - lead)
        XCTAssertEqual(player.position(at: .seconds(3) + .milliseconds(100)).framesHeard, 4_800)
        try player.finish()
        XCTAssertEqual(clock.now, .milliseconds(3_500))
    }

    func testSelfPacingDeviceIsKeptAtTheLeadDepthAndHeardTracksItsDelay() throws {
        let clock = ManualClock(start: .seconds(5))
        let sink = SimulatedCardSink(clock: clock, bufferFrames: 4_800)
        let player = PacedPlayer(sink: sink, clock: clock, configuration: .init(lead: lead))
        let leadFrames = AudioFormat.standard.frames(in: lead)
        var checked = 0
        try play(TestSignal.make(frames: 10 * rate), through: player) { position in
            // Heard = written - the delay the device reports, and on schedule within a frame.
            XCTAssertEqual(position.framesHeard, position.framesWritten - position.delayFrames)
            XCTAssertLessThanOrEqual(abs(position.errorFrames), 1, "at \(position.time)")
            checked += 1
        }
        try player.finish()
        XCTAssertGreaterThan(checked, 400)
        XCTAssertEqual(sink.underruns, 0)
        XCTAssertEqual(sink.blockedWrites, 0, "the player never overfills the device")
        XCTAssertLessThanOrEqual(sink.maxQueued, leadFrames + 960)
        XCTAssertGreaterThanOrEqual(sink.maxQueued, leadFrames)
        XCTAssertEqual(sink.firstSoundAt, .seconds(5))
        let elapsed = clock.now - .seconds(5)
        XCTAssertGreaterThanOrEqual(elapsed, .seconds(10))
        XCTAssertLessThanOrEqual(elapsed, .seconds(10) + .milliseconds(1))
        XCTAssertEqual(player.position().framesHeard, 10 * rate)
    }

    func testSelfPacingDeviceStartsAtTheScheduledTime() throws {
        let clock = ManualClock()
        let sink = SimulatedCardSink(clock: clock, bufferFrames: 4_800)
        let player = PacedPlayer(sink: sink, clock: clock, configuration: .init(lead: lead))
        player.schedule(startAt: .milliseconds(1_500))
        try player.write(TestSignal.make(frames: rate))
        XCTAssertEqual(sink.firstSoundAt, .milliseconds(1_500))
        XCTAssertEqual(player.dueTime(ofFrame: 48_000), .milliseconds(2_500))
        try player.finish()
        XCTAssertEqual(sink.underruns, 0)
        XCTAssertEqual(clock.now, .milliseconds(2_500))
    }

    func testPartialFrameIsRefusedBeforeAnythingIsWritten() {
        let clock = ManualClock()
        let sink = TimedRecordingSink(clock: clock)
        let player = PacedPlayer(sink: sink, clock: clock)
        XCTAssertThrowsError(try player.write([1, 2, 3])) {
            XCTAssertEqual($0 as? AudioError, .partialFrame(device: "recording", samples: 3, channels: 2))
        }
        XCTAssertTrue(sink.writes.isEmpty)
    }

    func testPlayerPacesTheRealALSANullDevice() throws {
        let clock = ManualClock()
        let sink = try ALSASink(device: "null")
        let player = PacedPlayer(sink: sink, clock: clock, configuration: .init(lead: lead))
        try player.write(TestSignal.make(frames: 3 * rate))
        try player.finish()
        XCTAssertEqual(clock.now, .seconds(3) + lead)
        XCTAssertEqual(sink.stats.framesWritten, 3 * rate)
    }

    /// The one wall-clock test: through the real `file` plugin with the system clock, 300 ms of audio
    /// cannot finish sooner than 300 ms (a lower bound only, so a slow machine cannot fail it), and the
    /// file holds the audio.
    func testRealClockPacesTheFilePluginInRealTime() throws {
        let directory = try makeTemporaryDirectory(self)
        let output = directory.appendingPathComponent("paced.raw")
        let sink = try ALSASink(device: "file:FILE=\(output.path),FORMAT=raw")
        let clock = SystemMonotonicClock()
        let player = PacedPlayer(sink: sink, clock: clock, configuration: .init(lead: .milliseconds(20)))
        let signal = TestSignal.make(frames: rate * 3 / 10)
        let begin = clock.now
        try player.write(signal)
        try player.finish()
        XCTAssertGreaterThanOrEqual(clock.now - begin, .milliseconds(300))
        try sink.close()
        XCTAssertTrue(try Data(contentsOf: output) == TestSignal.bytes(signal))
    }

    func testSystemClockIsMonotonicAndSleepsUntilTheDeadline() {
        let clock = SystemMonotonicClock()
        let first = clock.now
        let deadline = first + .milliseconds(5)
        clock.sleep(until: deadline)
        XCTAssertGreaterThanOrEqual(clock.now, deadline)
        clock.sleep(until: first)
        XCTAssertGreaterThanOrEqual(clock.now, first)
    }
}
