import Audio
import Broadcast
import BroadcastTesting
import Foundation
import Media
import XCTest

/// The programme as one node plays it: the catalogue (through ``CatalogueTwin``), the ``PlaybackFeed`` and
/// a real ``PlaybackEngine`` on a manual clock writing to memory, with real media (ffmpeg-made MP3 at
/// 44.1 kHz and MP4 with AAC at 48 kHz) and ffmpeg's own decodes as the reference. Queued items follow each
/// other sample for sample; a skip or an interrupting start cuts the playing item at its next fragment
/// boundary.
final class ProgrammePlaybackTests: XCTestCase {
    /// One node: a catalogue, its feed and engine.
    final class Rig {
        let clock = ManualClock(start: .seconds(1_000))
        let sink = MemorySink()
        let engine: PlaybackEngine
        let twin = CatalogueTwin()
        var feed: PlaybackFeed!
        var problems: [PlaybackFeedProblem] = []
        let now: ClusterTime

        init() throws {
            var clusterClock = ClusterClock()
            _ = clusterClock.becomeLeader(at: clock.now)
            now = try XCTUnwrap(clusterClock.clusterTime(at: clock.now))
            engine = try PlaybackEngine(
                sink: sink, clock: clock, clusterClock: clusterClock, playLogDirectory: nil, configuration: .init(node: "n1"))
            feed = PlaybackFeed(input: engine, events: twin) { [unowned self] in problems.append($0) }
        }

        @discardableResult
        func commit(_ entry: CatalogueEntry) -> CatalogueChange {
            let change = twin.commit(entry)
            feed.apply(.catalogue(change))
            return change
        }

        /// Commits a whole stream: its start at `start`, every fragment, its end.
        func commitStream(_ id: StreamID, _ media: PlaybackMedia.Stream, at start: ClusterTime, interrupts: Bool = false) {
            commit(Self.startEntry(id, media, at: start, interrupts: interrupts))
            for fragment in media.fragments { commit(.fragment(stream: id, index: fragment.index, record: fragment.encoded()[...])) }
            commit(.streamEnded(stream: id, fragmentCount: media.fragments.count, durationSeconds: 1))
        }

        /// Runs the engine until cluster time `time` (cluster time = local time here).
        func run(until time: ClusterTime) throws {
            try engine.run(until: .nanoseconds(time.nanoseconds))
        }

        static func startEntry(_ id: StreamID, _ media: PlaybackMedia.Stream, at start: ClusterTime, interrupts: Bool) -> CatalogueEntry {
            .streamStarted(
                CatalogueStreamStart(
                    id: id, name: "item \(id)", source: CatalogueSource(fileName: media.path, size: 1, sha256: [UInt8](repeating: 7, count: 32)),
                    headerRecord: media.header.encoded(), startClusterTime: start, fragmentSeconds: 2,
                    expectedFragmentCount: media.fragments.count, isPaced: false, interruptsProgramme: interrupts))
        }
    }

    /// The output must be silence, then exactly `expected`, then silence.
    static func assertPlays(_ output: [Int16], exactly expected: [Int16], file: StaticString = #filePath, line: UInt = #line) {
        guard let firstInExpected = expected.firstIndex(where: { $0 != 0 }),
            let firstInOutput = output.firstIndex(where: { $0 != 0 }), firstInOutput >= firstInExpected
        else { return XCTFail("no sound in the output", file: file, line: line) }
        let offset = firstInOutput - firstInExpected
        XCTAssertEqual(offset % 2, 0, "output misaligned by one channel", file: file, line: line)
        XCTAssertTrue(output[..<offset].allSatisfy { $0 == 0 }, "sound before the first item", file: file, line: line)
        guard output.count >= offset + expected.count else {
            return XCTFail("output ends \(offset + expected.count - output.count) samples early", file: file, line: line)
        }
        let played = Array(output[offset..<offset + expected.count])
        if played != expected {
            let first = played.indices.first { played[$0] != expected[$0] } ?? 0
            XCTFail("output differs from the reference at frame \(first / 2) of \(expected.count / 2)", file: file, line: line)
        }
        XCTAssertTrue(output[(offset + expected.count)...].allSatisfy { $0 == 0 }, "sound after the last item", file: file, line: line)
    }

    /// MP3 at 44.1 kHz, then MP4/AAC at 48 kHz queued behind it: every node's output is A's reference
    /// decode immediately followed by B's, bit for bit, and B starts as the continuation of A's playhead.
    func testQueuedItemsOfDifferentRatesAndFormatsPlayBackToBackBitExact() throws {
        let a = try PlaybackMedia.stream("mp3-cbr", seconds: 6)
        let b = try PlaybackMedia.stream("mp4-aac48", seconds: 5)
        let rig = try Rig()
        rig.commitStream(0xA, a, at: rig.now + .seconds(1))
        rig.commitStream(0xB, b, at: rig.now + .milliseconds(1_500))
        let schedule = rig.twin.current.programmeSchedule()
        XCTAssertEqual(schedule.map(\.id), [0xA, 0xB])
        // The declared length of the MP3 is its gapless decode's, exactly.
        XCTAssertEqual(schedule[0].lengthSamples, Int64(a.frameCount))
        XCTAssertEqual(schedule[1].start, schedule[0].end)
        try rig.run(until: rig.now + .seconds(13))
        Self.assertPlays(rig.sink.samples, exactly: a.reference + b.reference)
        XCTAssertEqual(rig.engine.handOffs, 1)
        XCTAssertEqual(rig.engine.status.driftCorrectionFrames, 0)
        XCTAssertEqual(rig.problems, [])
    }

    /// The other way round: the MP4's encoder padding (the AAC decoder's output past the container's
    /// declared duration) is not played over the next item, which starts at the declared end.
    func testAnItemFollowedAtOnceEndsAtItsDeclaredLength() throws {
        let a = try PlaybackMedia.stream("mp3-cbr", seconds: 6)
        let b = try PlaybackMedia.stream("mp4-aac48", seconds: 5)
        let rig = try Rig()
        rig.commitStream(0xB, b, at: rig.now + .seconds(1))
        rig.commitStream(0xA, a, at: rig.now + .milliseconds(1_200))
        let declared = try XCTUnwrap(rig.twin.current.programmeSchedule().first?.lengthSamples)
        XCTAssertEqual(declared, 5 * 48_000)
        XCTAssertGreaterThan(b.frameCount, Int(declared), "the AAC decode carries padding past the declared end")
        try rig.run(until: rig.now + .seconds(13))
        Self.assertPlays(rig.sink.samples, exactly: Array(b.reference.prefix(Int(declared) * 2)) + a.reference)
        XCTAssertEqual(rig.engine.handOffs, 1)
    }

    /// A skip committed while A plays cuts A at the end of the fragment that reaches the skip's effect
    /// time; B follows from there.
    func testSkipCutsThePlayingItemAtItsNextFragmentBoundary() throws {
        let a = try PlaybackMedia.stream("mp3-cbr", seconds: 6)
        let b = try PlaybackMedia.stream("mp4-aac48", seconds: 5)
        let rig = try Rig()
        rig.commitStream(0xA, a, at: rig.now + .seconds(1))
        rig.commitStream(0xB, b, at: rig.now + .seconds(1))
        try rig.run(until: rig.now + .milliseconds(2_000))
        let effect = rig.now + .milliseconds(3_500)  // 2.5 s into A: inside its second fragment
        let change = rig.commit(.queue(.skip, at: effect))
        XCTAssertEqual(change.event, .queueChanged(.skip, at: effect))
        let catalogue = rig.twin.current
        let cut = try XCTUnwrap(catalogue.programme.cutAfterFragment(of: 0xA))
        let cutEnd = try XCTUnwrap(catalogue.stream(0xA)?.fragments[cut].audioEndSample)
        let schedule = catalogue.programmeSchedule()
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(schedule[0].end), effect)
        XCTAssertLessThan(try XCTUnwrap(schedule[0].end), effect + .seconds(3))
        XCTAssertEqual(schedule[0].lengthSamples, cutEnd)
        try rig.run(until: rig.now + .seconds(13))
        Self.assertPlays(rig.sink.samples, exactly: Array(a.reference.prefix(Int(cutEnd) * 2)) + b.reference)
        XCTAssertEqual(rig.engine.handOffs, 1)
    }

    /// `ingest --now`: the new stream's start cuts the playing item at its next fragment boundary and plays
    /// next; the item that was queued plays after it.
    func testAnInterruptingStartCutsThePlayingItemAndPlaysNext() throws {
        let a = try PlaybackMedia.stream("mp3-cbr", seconds: 6)
        let b = try PlaybackMedia.stream("mp4-aac48", seconds: 5)
        let c = try PlaybackMedia.stream("mp3-cbr", seconds: 4)
        let rig = try Rig()
        rig.commitStream(0xA, a, at: rig.now + .seconds(1))
        rig.commitStream(0xC, c, at: rig.now + .seconds(1))
        try rig.run(until: rig.now + .milliseconds(2_000))
        rig.commitStream(0xB, b, at: rig.now + .milliseconds(3_500), interrupts: true)
        let catalogue = rig.twin.current
        XCTAssertEqual(catalogue.programmeSchedule().map(\.id), [0xA, 0xB, 0xC])
        let cut = try XCTUnwrap(catalogue.programme.cutAfterFragment(of: 0xA))
        let cutEnd = try XCTUnwrap(catalogue.stream(0xA)?.fragments[cut].audioEndSample)
        try rig.run(until: rig.now + .seconds(16))
        let bDeclared = 5 * 48_000
        Self.assertPlays(
            rig.sink.samples, exactly: Array(a.reference.prefix(Int(cutEnd) * 2)) + Array(b.reference.prefix(bDeclared * 2)) + c.reference)
        XCTAssertEqual(rig.engine.handOffs, 2)
    }
}
