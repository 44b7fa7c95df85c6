import Audio
import Broadcast
import BroadcastTesting
import XCTest

final class PlayoutSchedulerTests: XCTestCase {
    static let rate = 48_000
    /// Sample 0 is due at cluster time 2 s; cluster time equals true time unless a test says otherwise.
    static let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 2_000_000_000), sampleRate: rate)

    /// 60 s of playback on a card 100 ppm fast, then one 100 ppm slow: every sample heard within
    /// ±1 ms of its cluster time, drift absorbed by single inserted/dropped frames never adjacent,
    /// no resync, no underrun.
    func testDriftOfOneHundredPPMStaysWithinOneMillisecond() {
        for ppm in [100.0, -100.0] {
            var simulation = PlayoutSimulation(timeline: Self.timeline, cardPPM: ppm)
            simulation.run(until: .seconds(62))
            var worst = 0.0
            var checked = 0
            // Every 7th frame's timing (the error moves by at most one frame at a correction) …
            simulation.forEachHeardSample(until: .seconds(62), stride: 7) { _, _, error in
                worst = max(worst, abs(error))
                checked += 1
            }
            // … and every frame's order: consecutive samples, one dropped between two, or one inserted;
            // and where the inserted frames are (one pass over the raw buffer: fast in debug builds).
            var outOfOrder = 0
            var insertedAt: [Int] = []
            simulation.card.tags.withUnsafeBufferPointer { tags in
                var previousSample: Int64 = -1
                var previousFrame = -1
                for frame in 0..<tags.count {
                    let sample = tags[frame]
                    if sample == SimulatedSoundCard.inserted { insertedAt.append(frame) }
                    guard sample >= 0 else { continue }
                    if previousSample >= 0 {
                        let step = sample - previousSample
                        let gap = frame - previousFrame
                        if !(step == 1 && gap <= 2) && !(step == 2 && gap == 1) { outOfOrder += 1 }
                    }
                    previousSample = sample
                    previousFrame = frame
                }
            }
            let heard = checked * 7
            let stats = simulation.scheduler.stats
            XCTAssertLessThan(worst, 1.0, "ppm \(ppm): worst |error| in ms")
            XCTAssertGreaterThan(heard, 59 * Self.rate, "ppm \(ppm)")
            XCTAssertEqual(outOfOrder, 0, "ppm \(ppm)")
            XCTAssertEqual(stats.hardResyncs, 0)
            XCTAssertEqual(stats.resyncSkippedSamples, 0)
            XCTAssertEqual(stats.stalledSamples, 0)
            XCTAssertEqual(simulation.card.underruns, 0)
            // 100 ppm of 60 s at 48 kHz is 288 frames.
            let corrections = ppm > 0 ? stats.insertedFrames : stats.droppedFrames
            XCTAssertEqual(Double(corrections), 288, accuracy: 20, "ppm \(ppm)")
            XCTAssertEqual(ppm > 0 ? stats.droppedFrames : stats.insertedFrames, 0)
            // Never two corrections adjacent: inserted frames in the output, dropped samples in the stream.
            XCTAssertEqual(insertedAt.count, stats.insertedFrames)
            XCTAssertTrue(zip(insertedAt.dropFirst(), insertedAt).allSatisfy { $0 - $1 >= 2 })
            let dropped = simulation.droppedSamples
            XCTAssertEqual(dropped.count, stats.droppedFrames)
            XCTAssertTrue(zip(dropped.dropFirst(), dropped).allSatisfy { $0 - $1 >= 2 })
        }
    }

    /// A card whose hardware pointer moves in 1 ms steps (48 frames, like USB audio) reports a delay
    /// up to 1 ms too large: playback runs up to that much early, and stays within 1.1 ms.
    func testAOneMillisecondPointerStepCostsAtMostItsStep() {
        var simulation = PlayoutSimulation(timeline: Self.timeline, cardPPM: 100)
        simulation.card.pointerGranularity = 48
        simulation.run(until: .seconds(32))
        var worst = 0.0
        var sum = 0.0
        var count = 0.0
        simulation.forEachHeardSample(until: .seconds(32), stride: 7) { _, _, error in
            worst = max(worst, abs(error))
            sum += error
            count += 1
        }
        XCTAssertLessThan(worst, 1.1)
        XCTAssertEqual(sum / count, -0.7, accuracy: 0.2, "early by about half a step plus the controller's 0.2 ms")
        XCTAssertEqual(simulation.scheduler.stats.hardResyncs, 0)
        XCTAssertGreaterThan(simulation.scheduler.stats.insertedFrames, 100)
    }

    /// Before the start the scheduler waits, then fills silence so that sample 0 is heard exactly at
    /// the stream's start.
    /// Frames inserted or dropped over 2 s of play when every sample is heard `error` late and the
    /// clock reports `bound` as its uncertainty.
    static func corrections(error: Duration, bound: Duration) -> Int {
        var scheduler = PlayoutScheduler(timeline: timeline)
        for _ in 0..<400 {
            let next = scheduler.nextSample ?? 0
            let observation = PlayoutObservation(
                now: timeline.clusterTime(ofSample: next) + error, queuedFrames: 0, available: 0..<10_000_000,
                clockErrorBound: bound)
            if case .wait = scheduler.next(observation) { break }
        }
        return scheduler.stats.insertedFrames + scheduler.stats.droppedFrames
    }

    /// An error inside the dead band (0.2 ms, or the clock's own error bound up to 2 ms) is left alone;
    /// outside it, it is corrected.
    func testErrorsWithinTheClocksUncertaintyAreNotCorrected() {
        XCTAssertGreaterThan(Self.corrections(error: .microseconds(400), bound: .zero), 0)
        XCTAssertEqual(Self.corrections(error: .microseconds(150), bound: .zero), 0)
        XCTAssertEqual(Self.corrections(error: .microseconds(400), bound: .microseconds(500)), 0)
        XCTAssertEqual(Self.corrections(error: .microseconds(-400), bound: .microseconds(500)), 0)
        XCTAssertEqual(Self.corrections(error: .microseconds(1_900), bound: .seconds(5)), 0, "capped at 2 ms")
        XCTAssertGreaterThan(Self.corrections(error: .microseconds(2_500), bound: .seconds(5)), 0, "capped at 2 ms")
    }

    /// Frames inserted or dropped when the playhead is placed while the clock is `placedBound`
    /// uncertain (1 s of play, error 0), then 4 s of play at `error` with the clock `bound` uncertain.
    static func correctionsAfterPlacing(placedBound: Duration, error: Duration, bound: Duration) -> Int {
        var scheduler = PlayoutScheduler(timeline: timeline)
        for (chunks, error, bound) in [(100, Duration.zero, placedBound), (400, error, bound)] {
            for _ in 0..<chunks {
                let next = scheduler.nextSample ?? 0
                _ = scheduler.next(
                    PlayoutObservation(
                        now: timeline.clusterTime(ofSample: next) + error, queuedFrames: 0, available: 0..<10_000_000,
                        clockErrorBound: bound))
            }
        }
        return scheduler.stats.insertedFrames + scheduler.stats.droppedFrames
    }

    /// A node that started on an estimate 1.2 ms uncertain (a loaded machine) and then learns a better
    /// one, 0.45 ms away and 0.42 ms uncertain, cannot tell which was wrong by how much: it leaves the
    /// playhead alone (the same 0.45 ms after a start on a sure clock is corrected). An error beyond
    /// both bounds is corrected.
    func testAPlayheadPlacedOnAnUncertainEstimateIsNotChasedLater() {
        let error = Duration.microseconds(-450)
        XCTAssertEqual(Self.correctionsAfterPlacing(placedBound: .microseconds(1_200), error: error, bound: .microseconds(420)), 0)
        XCTAssertGreaterThan(Self.correctionsAfterPlacing(placedBound: .microseconds(100), error: error, bound: .microseconds(100)), 0)
        XCTAssertGreaterThan(
            Self.correctionsAfterPlacing(placedBound: .microseconds(1_200), error: .microseconds(-1_500), bound: .microseconds(100)), 0)
    }

    /// Plays 1 s with the clock `placedBound` uncertain and error 0 (the placement), then `chunks` chunks with
    /// the clock `bound` uncertain and the playhead `error` off, each frame inserted or dropped moving the
    /// playhead by one frame. Returns (frames inserted + dropped, the error left, re-placements).
    static func replaced(
        placedBound: Duration, error: Duration, bound: Duration, refineBelow: Duration?, chunks: Int = 1_000
    ) -> (corrections: Int, left: Duration, replacements: Int) {
        var scheduler = PlayoutScheduler(timeline: timeline, configuration: .init(refineBelowBound: refineBelow))
        var left = Duration.zero
        for (count, error, bound) in [(100, Duration.zero, placedBound), (chunks, error, bound)] {
            for _ in 0..<count {
                let next = scheduler.nextSample ?? 0
                let moved = scheduler.stats.droppedFrames - scheduler.stats.insertedFrames
                left = error - timeline.duration(ofSamples: Int64(moved))
                _ = scheduler.next(
                    PlayoutObservation(
                        now: timeline.clusterTime(ofSample: next) + left, queuedFrames: 0, available: 0..<10_000_000,
                        clockErrorBound: bound))
            }
        }
        return (scheduler.stats.insertedFrames + scheduler.stats.droppedFrames, left, scheduler.stats.replacements)
    }

    /// With `refineBelowBound` set, a playhead placed on an uncertain estimate (1.2 ms) whose clock then
    /// converges (bound 100 µs) is re-placed once: its 450 µs error is corrected down to 30 µs with about
    /// 20 single frames, and then left alone. Off by default, and not while the bound is above the
    /// threshold (the 0.42 ms case above).
    func testAConvergedClockRePlacesThePlayheadWhenAsked() {
        let refined = Self.replaced(
            placedBound: .microseconds(1_200), error: .microseconds(-450), bound: .microseconds(100),
            refineBelow: .microseconds(250))
        XCTAssertEqual(refined.replacements, 1)
        XCTAssertLessThanOrEqual(abs(refined.left.wholeNanoseconds), 30_000 + 21_000)
        XCTAssertGreaterThanOrEqual(refined.corrections, 19)
        XCTAssertLessThanOrEqual(refined.corrections, 22)
        let longer = Self.replaced(
            placedBound: .microseconds(1_200), error: .microseconds(-450), bound: .microseconds(100),
            refineBelow: .microseconds(250), chunks: 3_000)
        XCTAssertEqual(longer.corrections, refined.corrections, "nothing more once re-placed")
        XCTAssertEqual(
            Self.replaced(placedBound: .microseconds(1_200), error: .microseconds(-450), bound: .microseconds(100), refineBelow: nil)
                .corrections, 0, "off by default")
        XCTAssertEqual(
            Self.replaced(placedBound: .microseconds(1_200), error: .microseconds(-450), bound: .microseconds(420),
                          refineBelow: .microseconds(250)).corrections, 0, "not converged")
    }

    func testStartsExactlyOnTime() throws {
        var simulation = PlayoutSimulation(timeline: Self.timeline, cardPPM: 0)
        simulation.run(until: .seconds(3))
        guard case .wait(let until) = simulation.actions.first?.action else { return XCTFail("expected a wait first") }
        XCTAssertEqual(until, Self.timeline.start - .milliseconds(50))
        guard case .silence(_, .beforeStart) = simulation.actions[1].action else { return XCTFail("expected silence") }
        let first = try XCTUnwrap(simulation.card.tags.firstIndex(of: 0))
        XCTAssertEqual(simulation.card.tags.prefix(first).allSatisfy { $0 == SimulatedSoundCard.silence }, true)
        XCTAssertEqual(first, 2_400, "50 ms of silence ahead of sample 0")
        let heard = simulation.card.heardTime(ofFrame: first)
        XCTAssertLessThanOrEqual(abs((heard - .seconds(2)).wholeNanoseconds), 21_000, "within one frame")
    }

    /// A sink written 500 ms ahead (alsa-lib's `file` plugin) and a stream starting 490 ms after it is
    /// handed over, whose first fragment is decoded 30 ms later (the default 500 ms playout delay): the
    /// silence before the start stops a chunk short of it until sample 0 is in, so the start is exact, with
    /// nothing stalled; before the rule the queue reached the start at once and 30 ms stalled.
    func testADeepQueueWaitsForTheFirstSampleInsteadOfStallingOnIt() throws {
        let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 490_000_000), sampleRate: Self.rate)
        var simulation = PlayoutSimulation(
            timeline: timeline, cardPPM: 0, configuration: .init(targetQueue: .milliseconds(500)))
        simulation.available = { now in now >= .milliseconds(30) ? 0..<Int64.max : 0..<0 }
        simulation.streamEnd = 96_000
        simulation.run(until: .seconds(3))
        XCTAssertEqual(simulation.scheduler.stats.stalledSamples, 0)
        XCTAssertEqual(simulation.scheduler.stats.hardResyncs, 0)
        let beforeFirst = simulation.actions.prefix { $0.time < .milliseconds(30) }
        XCTAssertTrue(beforeFirst.contains { if case .wait = $0.action { true } else { false } }, "polls for sample 0")
        let first = try XCTUnwrap(simulation.card.tags.firstIndex(of: 0))
        let heard = simulation.card.heardTime(ofFrame: first)
        XCTAssertLessThanOrEqual(abs((heard - .milliseconds(490)).wholeNanoseconds), 21_000, "sample 0 on time")
        var heardSamples = 0
        simulation.forEachHeardSample(until: .seconds(3)) { _, _, error in
            heardSamples += 1
            XCTAssertLessThan(abs(error), 0.021)
        }
        XCTAssertEqual(heardSamples, 96_000, "every sample heard once")
    }

    /// A 500 ms queue topped up once it has drained by 100 ms (`refill`, what a node uses for a sink that does not
    /// play in real time): the player waits about ten times a second instead of a hundred, writes the same 10-ms
    /// chunks, and every sample is heard once and on time, as with the default refill of half a chunk.
    func testARefillOfTheQueueWakesTheWriterLessOftenWithTheSameChunks() throws {
        let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 600_000_000), sampleRate: Self.rate)
        func run(refill: Duration?) -> (waits: Int, chunks: Int, heard: Int) {
            var simulation = PlayoutSimulation(
                timeline: timeline, cardPPM: 0, configuration: .init(targetQueue: .milliseconds(500), refill: refill))
            simulation.streamEnd = 4 * 48_000
            simulation.run(until: .seconds(5))
            XCTAssertEqual(simulation.scheduler.stats.stalledSamples, 0)
            XCTAssertEqual(simulation.scheduler.stats.hardResyncs, 0)
            XCTAssertEqual(simulation.card.underruns, 0)
            var heard = 0
            simulation.forEachHeardSample(until: .seconds(5)) { _, _, error in
                heard += 1
                XCTAssertLessThan(abs(error), 0.021, "within one frame")
            }
            // Playing: from the first chunk to the last.
            let playing = simulation.actions.drop { if case .play = $0.action { false } else { true } }
            let waits = playing.filter { if case .wait = $0.action { true } else { false } }.count
            let chunks = playing.compactMap { if case .play(let chunk) = $0.action { chunk.sampleCount } else { nil } }
            XCTAssertTrue(chunks.dropLast().allSatisfy { $0 == 480 }, "10-ms chunks")
            return (waits, chunks.count, heard)
        }
        let perChunk = run(refill: nil)
        let refilled = run(refill: .milliseconds(100))
        XCTAssertEqual(refilled.heard, 4 * 48_000, "every sample heard once")
        XCTAssertEqual(refilled.heard, perChunk.heard)
        XCTAssertEqual(refilled.chunks, perChunk.chunks)
        // 4 s of audio: about 400 wake-ups for a chunk each, about 40 for ten chunks each.
        XCTAssertGreaterThan(perChunk.waits, 350)
        XCTAssertLessThan(refilled.waits, 50)
    }

    /// The first fragment never comes before its time: the silence stops a chunk before the start, then
    /// the stream begins and stalls like any stall (the samples whose time passed and what the queue held
    /// when the fragment came), then plays on the timeline.
    func testAFirstFragmentThatComesLateStallsOnlyWhatPassed() throws {
        let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 490_000_000), sampleRate: Self.rate)
        var simulation = PlayoutSimulation(
            timeline: timeline, cardPPM: 0, configuration: .init(targetQueue: .milliseconds(500)))
        simulation.available = { now in now >= .milliseconds(590) ? 0..<Int64.max : 0..<0 }
        simulation.streamEnd = 96_000
        simulation.run(until: .seconds(3))
        // 100 ms passed (4 800 samples), plus at most the 500 ms queue and a chunk.
        XCTAssertGreaterThanOrEqual(simulation.scheduler.stats.stalledSamples, 4_800)
        XCTAssertLessThanOrEqual(simulation.scheduler.stats.stalledSamples, 4_800 + 24_000 + 480)
        let firstPlayed = try XCTUnwrap(simulation.card.tags.first { $0 != SimulatedSoundCard.silence })
        XCTAssertEqual(firstPlayed, simulation.scheduler.stats.stalledSamples, "plays on from the first sample not stalled")
        XCTAssertEqual(simulation.scheduler.stats.hardResyncs, 0)
    }

    /// A node that starts 10.5 s into the stream starts at the sample due now, exactly.
    func testJoinMidStreamStartsAtTheCurrentSample() throws {
        var simulation = PlayoutSimulation(timeline: Self.timeline, cardPPM: 0)
        simulation.truth.advance(by: .seconds(12.5) + .microseconds(7))
        simulation.run(until: .seconds(13))
        guard case .skip(let from, let to, .join) = simulation.actions.first?.action else {
            return XCTFail("expected a join first, got \(String(describing: simulation.actions.first))")
        }
        XCTAssertEqual(from, 0)
        // 10.500007 s after the start: sample 504 000.336 → 504 000.
        XCTAssertEqual(to, 504_000)
        XCTAssertEqual(simulation.scheduler.stats.joinedAt, 504_000)
        guard case .play(let chunk) = simulation.actions[1].action else { return XCTFail("expected play") }
        XCTAssertEqual(chunk.firstSample, 504_000)
        XCTAssertEqual(simulation.card.tags.first, 504_000)
        var worst = 0.0
        simulation.forEachHeardSample(until: .seconds(13)) { _, _, error in worst = max(worst, abs(error)) }
        XCTAssertLessThan(worst, 0.021, "within one frame")
    }

    /// Fragments of 2 s commit 1 s before they are due, except fragment 3, which commits 300 ms after
    /// it is due: silence stands in for exactly the samples whose time passed, then playback goes on
    /// on the timeline; nothing uncommitted is ever written.
    func testAStallSkipsExactlyTheMissedSamples() throws {
        let fragment: Int64 = 96_000
        var simulation = PlayoutSimulation(timeline: Self.timeline, cardPPM: 0)
        let late = Duration.milliseconds(300)
        simulation.available = { now in
            var committed: Int64 = 0
            for index: Int64 in 0..<6 {
                let due = Self.timeline.clusterTime(ofSample: index * fragment)
                let commit = index == 3 ? due + late : due - .seconds(1)
                guard now >= .nanoseconds(commit.nanoseconds) else { break }
                committed = (index + 1) * fragment
            }
            return 0..<committed
        }
        simulation.streamEnd = 6 * fragment
        simulation.run(until: .seconds(20))
        XCTAssertEqual(simulation.actions.last?.action, .finished)

        var missing: [Range<Int64>] = []
        for (_, action, available) in simulation.actions {
            switch action {
            case .play(let chunk):
                XCTAssertTrue(chunk.samples.allSatisfy { available.contains($0) }, "played uncommitted \(chunk.samples)")
            case .silence(_, .stall(let range)):
                missing.append(range)
            default:
                break
            }
        }
        let stallStart = try XCTUnwrap(missing.first?.lowerBound)
        let stallEnd = try XCTUnwrap(missing.last?.upperBound)
        XCTAssertEqual(stallStart, 3 * fragment)
        XCTAssertTrue(zip(missing.dropFirst(), missing).allSatisfy { $0.lowerBound == $1.upperBound }, "contiguous")
        // The samples due in the 300 ms, plus what was queued (≤ 50 ms) when the fragment came.
        let missed = stallEnd - stallStart
        XCTAssertGreaterThanOrEqual(missed, 14_400)
        XCTAssertLessThanOrEqual(missed, 14_400 + 2_400 + 480)
        XCTAssertEqual(simulation.scheduler.stats.stalledSamples, missed)
        XCTAssertEqual(simulation.scheduler.stats.hardResyncs, 0)
        // Every sample but the missed ones is heard once, in order, on time.
        var heardSamples: [Int64] = []
        var worst = 0.0
        simulation.forEachHeardSample(until: .seconds(20)) { _, sample, error in
            heardSamples.append(sample)
            worst = max(worst, abs(error))
        }
        XCTAssertEqual(heardSamples, Array(0..<stallStart) + Array(stallEnd..<(6 * fragment)))
        XCTAssertLessThan(worst, 0.021)
    }

    /// Cluster time steps 200 ms forward (then, in a second run, back) in the middle of playback:
    /// one hard resync, which skips (or fills silence for) exactly 200 ms, then on time again.
    func testALargeStepCausesOneHardResync() {
        for step in [Duration.milliseconds(200), .milliseconds(-200)] {
            var simulation = PlayoutSimulation(timeline: Self.timeline, cardPPM: 0)
            let at = Duration.seconds(10)
            simulation.clusterTime = { now in
                ClusterTime(nanoseconds: (now >= at ? now + step : now).wholeNanoseconds)
            }
            simulation.run(until: .seconds(20))
            let stats = simulation.scheduler.stats
            XCTAssertEqual(stats.hardResyncs, 1, "step \(step)")
            if step > .zero {
                XCTAssertEqual(stats.resyncSkippedSamples, 9_600, "step \(step)")
                let skips = simulation.actions.filter { if case .skip(_, _, .resync) = $0.action { true } else { false } }
                XCTAssertEqual(skips.count, 1)
            } else {
                XCTAssertEqual(stats.silenceFrames - 2_400, 9_600, "step \(step): silence beyond the 50 ms before the start")
                XCTAssertEqual(stats.resyncSkippedSamples, 0)
            }
            var worstAfter = 0.0
            // Samples due 7.92–8.375 s into the stream are heard around the step (at 8 s); all others on time.
            let aroundStep: Range<Int64> = 380_000..<402_000
            simulation.forEachHeardSample(until: .seconds(20), stride: 5) { _, sample, error in
                if !aroundStep.contains(sample) { worstAfter = max(worstAfter, abs(error)) }
            }
            XCTAssertLessThan(worstAfter, 0.021, "step \(step): on time before and after")
        }
    }
}
