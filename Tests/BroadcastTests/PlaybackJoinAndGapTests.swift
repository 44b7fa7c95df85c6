import Audio
import Broadcast
import Foundation
import Media
import XCTest

/// Joining a stream under way, a fragment never committed, and the commit pause of a leader change.
final class PlaybackJoinAndGapTests: XCTestCase {
    /// Joins the stream `kind` when its timeline is at `joinSeconds`, holding fragments `held`
    /// (committed before the engine started); returns the output, the join sample and the harness.
    private func join(
        _ kind: String, at joinSeconds: Double, held: (Int) -> Bool
    ) throws -> (output: [Int16], joinSample: Int, harness: PlaybackHarness, skips: [PlayoutAction]) {
        let media = try PlaybackMedia.stream(kind)
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .nanoseconds(Int64(-joinSeconds * 1e9)))
        var skips: [PlayoutAction] = []
        harness.engine.actionObserver = { if case .skip = $0 { skips.append($0) } }
        harness.deliver(media.fragments.indices.filter(held))
        try harness.engine.run(until: harness.afterTheEnd)
        return (sink.samples, Int((joinSeconds * 48_000).rounded()), harness, skips)
    }

    /// A node (re)started 7.3 s into the stream, holding every fragment: the first frame it writes
    /// is sample 350 400, due now, and from there on it is the reference exactly (the decoder
    /// pre-rolled with the fragment before).
    func testJoinMidStreamStartsAtTheSampleDueNow() throws {
        for kind in ["mp3-cbr", "m4a"] {
            let (output, joinSample, harness, skips) = try join(kind, at: 7.3, held: { _ in true })
            XCTAssertEqual(joinSample, 350_400)
            XCTAssertEqual(skips, [.skip(from: 0, to: 350_400, reason: .join)], kind)
            assertSamplesEqual(output[...], harness.media.reference[(joinSample * 2)...], "\(kind) joined at 7.3 s")
            XCTAssertEqual(harness.engine.counters.decoderResets, 1, "\(kind): one pre-rolled run")
            XCTAssertEqual(harness.engine.status.stalledSamples, 0)
        }
    }

    /// Without the fragment before, the join fragment's own first packets are the pre-roll: a join
    /// well inside the fragment is still exact from the sample due.
    func testJoinWithoutThePreviousFragmentIsExactAfterThePreroll() throws {
        let (output, joinSample, harness, _) = try join("mp3-cbr", at: 7.3, held: { $0 >= 3 })
        XCTAssertLessThan(try harness.firstSample(ofFragment: 3), joinSample - 20_000, "the join is well inside fragment 3")
        assertSamplesEqual(output[...], harness.media.reference[(joinSample * 2)...], "joined at 7.3 s without fragment 2")
    }

    /// A join inside the pre-roll's span: silence until the first sample after the pre-roll, which
    /// is heard at its own time (the output keeps the timeline), then the reference exactly.
    func testJoinInsideThePrerollStartsAtTheFirstRightSample() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let probe = try PlaybackHarness(media: media, sink: MemorySink(), startIn: .zero)
        let fragmentStart = try probe.firstSample(ofFragment: 3)
        let joinSeconds = Double(fragmentStart + 960) / 48_000
        let (output, joinSample, harness, _) = try join("mp3-cbr", at: joinSeconds, held: { $0 >= 3 })
        let reference = harness.media.reference
        XCTAssertEqual(output.count, reference.count - joinSample * 2, "the timeline is kept")
        let silent = try XCTUnwrap(firstFrame(in: output, from: 0) { frame, _ in frame != 0 })
        XCTAssertGreaterThan(silent, 0, "the pre-roll's span is silent")
        XCTAssertLessThan(silent, 7_200, "pre-roll under 150 ms")
        assertSamplesEqual(output[(silent * 2)...], reference[((joinSample + silent) * 2)...], "after the pre-roll")
    }

    /// Fragment 4 is never committed: the engine plays the reference up to where its decoder run
    /// ends, then silence one for one through fragment 4's span, then resumes on fragment 5's
    /// timeline position after pre-rolling fragment 5's first packets, exactly the reference there.
    /// Nothing of fragment 4 is ever heard.
    func testAFragmentNeverCommittedIsSilenceThenResyncsExactlyOnTheNext() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2))
        try harness.play(
            schedule: [(harness.localTime(ofStreamSecond: -1.5), media.fragments.indices.filter { $0 != 4 })],
            until: harness.afterTheEnd)
        let lead = 2_400
        let output = Array(sink.samples.dropFirst(lead * 2))
        let reference = media.reference
        XCTAssertEqual(output.count, reference.count, "silence stands in one for one: the timeline is kept")
        let gapStart = try harness.firstSample(ofFragment: 4)
        let gapEnd = try harness.firstSample(ofFragment: 5)
        let played = firstFrame(in: output, from: 0) { frame, index in frame != reference[index] } ?? 0
        XCTAssertGreaterThan(played, gapStart - 200, "fragment 3 plays to (nearly) its end: only the resampler's tail is lost")
        XCTAssertLessThanOrEqual(played, gapStart)
        let resumed = try XCTUnwrap(firstFrame(in: output, from: played) { frame, _ in frame != 0 })
        XCTAssertGreaterThanOrEqual(resumed, gapEnd, "nothing of fragment 4 is heard")
        XCTAssertLessThan(resumed - gapEnd, 7_200, "resumes within the pre-roll (< 150 ms) of fragment 5's start")
        assertSamplesEqual(output[(resumed * 2)...], reference[(resumed * 2)...], "from the resync on")
        let status = harness.engine.status
        XCTAssertEqual(status.stalledSamples, Int64(resumed) - Int64(played))
        XCTAssertEqual(status.hardResyncs, 0, "a stall keeps the timeline: no resync")
        XCTAssertEqual(status.driftCorrectionFrames, 0)
        XCTAssertEqual(harness.engine.counters.decoderResets, 1)
    }

    /// A leader change seen by a follower: fragments 0–4 committed 1.5 s ahead of their time, then
    /// nothing for 1 s (election), then the new leader commits 5 and 6 at once and goes on. The
    /// engine plays what it holds through the pause: the output is the reference exactly, with no
    /// gap and nothing played twice.
    func testACommitPauseShorterThanThePlayoutDelayIsInaudible() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(1.5))
        var schedule: [(at: Duration, fragments: [Int])] = []
        for index in media.fragments.indices {
            let due = Double(try harness.firstSample(ofFragment: index)) / 48_000
            switch index {
            case 0...4: schedule.append((harness.localTime(ofStreamSecond: due - 1.5), [index]))
            case 5: schedule.append((harness.localTime(ofStreamSecond: due - 0.5), [5, 6]))
            case 6: continue
            default: schedule.append((harness.localTime(ofStreamSecond: due - 1.5), [index]))
            }
        }
        try harness.play(schedule: schedule, until: harness.afterTheEnd)
        let lead = 2_400 * 2
        XCTAssertEqual(sink.samples.count, lead + media.reference.count)
        assertSamplesEqual(sink.samples.dropFirst(lead), media.reference[...], "through the pause")
        let status = harness.engine.status
        XCTAssertEqual(status.stalledSamples, 0)
        XCTAssertEqual(status.underruns, 0)
        XCTAssertEqual(status.hardResyncs, 0)
        XCTAssertEqual(harness.engine.counters.decoderResets, 0)
    }

    /// The first frame at or after `from` one of whose samples satisfies `test(sample, sampleIndex)`.
    private func firstFrame(in samples: [Int16], from: Int, where test: (Int16, Int) -> Bool) -> Int? {
        var index = from * 2
        while index < samples.count {
            if test(samples[index], index) { return index / 2 }
            index += 1
        }
        return nil
    }
}
