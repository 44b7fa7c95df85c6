import Broadcast
import Media
import XCTest

/// The programme's rules on the catalogue alone (synthetic 1.992 s MP3-like fragments, 95,616 samples
/// each at 48 kHz): every start joins the queue, items follow each other, decisions take effect at their
/// time and at a fragment boundary, refusals change nothing, and the programme is part of the replicated
/// state (the same log gives the same programme, which survives the snapshot).
final class ProgrammeTests: XCTestCase {
    typealias F = CatalogueFixtures
    static let fragmentSamples: Int64 = 95_616

    /// Applies `entries` in order from log index 1 (or after `catalogue`'s last).
    @discardableResult
    static func apply(_ entries: [CatalogueEntry], to catalogue: inout Catalogue) -> [CatalogueChange] {
        entries.map { catalogue.applyChange(entry: $0, at: catalogue.appliedIndex + 1, term: 1) }
    }

    /// A stream starting at `seconds` with `fragments` fragments, ended unless `live`.
    static func stream(_ id: StreamID, at seconds: Int64, fragments: Int, live: Bool = false) -> [CatalogueEntry] {
        [.streamStarted(F.start(id, name: "s\(id)", at: seconds * 1_000_000_000))]
            + (0..<fragments).map { F.fragmentEntry(id, $0) }
            + (live ? [] : [.streamEnded(stream: id, fragmentCount: fragments, durationSeconds: Double(fragments) * 1.992)])
    }

    static func time(_ seconds: Double) -> ClusterTime { ClusterTime(nanoseconds: Int64((seconds * 1e9).rounded())) }

    /// `start` plus `samples` at 48 kHz.
    static func after(_ start: ClusterTime, samples: Int64) -> ClusterTime {
        StreamTimeline(start: start, sampleRate: 48_000).clusterTime(ofSample: samples)
    }

    func testEveryStartJoinsTheQueueAndEachItemStartsWhenTheOneBeforeEnds() throws {
        var catalogue = Catalogue()
        Self.apply(Self.stream(1, at: 5, fragments: 3) + Self.stream(2, at: 6, fragments: 2) + Self.stream(3, at: 100, fragments: 1, live: true), to: &catalogue)
        let schedule = catalogue.programmeSchedule()
        XCTAssertEqual(schedule.map(\.id), [1, 2, 3])
        XCTAssertEqual(schedule[0].start, Self.time(5))
        XCTAssertEqual(schedule[0].lengthSamples, 3 * Self.fragmentSamples)
        let end1 = Self.after(Self.time(5), samples: 3 * Self.fragmentSamples)
        XCTAssertEqual(schedule[0].end, end1)
        XCTAssertEqual(schedule[0].playUntil, end1, "followed at once: it stops at its declared end")
        XCTAssertEqual(schedule[1].start, end1, "queued: it starts when the first ends, not at its own 6 s")
        XCTAssertNil(schedule[1].playUntil, "the next item starts later (the programme was idle until 100 s)")
        XCTAssertEqual(schedule[2].start, Self.time(100), "the programme was idle: it starts at its own time")
        XCTAssertNil(schedule[2].end, "live: its end is not known")
        XCTAssertTrue(schedule[0].isPlaying(at: Self.time(6)))
        XCTAssertTrue(schedule[1].isOver(at: Self.time(100)))
    }

    func testSkipCutsAtTheFirstFragmentBoundaryAtOrAfterItsTimeAndTheNextItemFollows() throws {
        var catalogue = Catalogue()
        Self.apply(Self.stream(1, at: 5, fragments: 5) + Self.stream(2, at: 5, fragments: 2), to: &catalogue)
        // 2.5 s into stream 1: fragment 1 ends at 3.98 s, the first boundary after it.
        let changes = Self.apply([.queue(.skip, at: Self.time(7.5))], to: &catalogue)
        XCTAssertEqual(changes[0].event, .queueChanged(.skip, at: Self.time(7.5)))
        XCTAssertNotNil(changes[0].schedule, "a decision publishes the new schedule")
        XCTAssertEqual(catalogue.programme.cutAfterFragment(of: 1), 1)
        let schedule = catalogue.programmeSchedule()
        let cut = Self.after(Self.time(5), samples: 2 * Self.fragmentSamples)
        XCTAssertEqual(schedule[0].end, cut)
        XCTAssertEqual(schedule[0].playUntil, cut)
        XCTAssertEqual(schedule[1].start, cut)
        // A second skip at the same time cuts the next item (now playing from the cut on).
        Self.apply([.queue(.skip, at: Self.time(9.5))], to: &catalogue)
        XCTAssertEqual(catalogue.programme.cutAfterFragment(of: 2), 0)
        XCTAssertEqual(catalogue.programme.cutAfterFragment(of: 1), 1, "an earlier cut stays")
    }

    func testStopRemoveAndMoveChangeOnlyWhatIsUpcomingAndRefusalsChangeNothing() throws {
        var catalogue = Catalogue()
        Self.apply((1...4).flatMap { Self.stream(StreamID($0), at: 5, fragments: 2) }, to: &catalogue)
        let at = Self.time(6)
        Self.apply([.queue(.move(4, position: 0), at: at)], to: &catalogue)
        XCTAssertEqual(catalogue.programmeSchedule().map(\.id), [1, 4, 2, 3])
        Self.apply([.queue(.move(4, position: 9), at: at)], to: &catalogue)
        XCTAssertEqual(catalogue.programmeSchedule().map(\.id), [1, 2, 3, 4], "a position past the end moves it last")
        Self.apply([.queue(.remove(2), at: at)], to: &catalogue)
        XCTAssertEqual(catalogue.programmeSchedule().map(\.id), [1, 3, 4])
        XCTAssertNotNil(catalogue.stream(2), "taken out of the queue, not out of the catalogue")

        let before = catalogue
        let refused: [(QueueCommand, String)] = [
            (.move(1, position: 0), "not queued"), (.remove(2), "not playing or queued"), (.remove(9), "no stream"),
            (.move(9, position: 0), "no stream"),
        ]
        for (command, reason) in refused {
            var trial = before
            let event = trial.apply(entry: .queue(command, at: at), at: trial.appliedIndex + 1, term: 1)
            guard case .ignored(.queueRefused(command, let why)) = event else { return XCTFail("\(command): \(event)") }
            XCTAssertTrue(why.contains(reason), "\(command): \(why)")
            XCTAssertEqual(trial.programme, before.programme)
        }

        Self.apply([.queue(.stop, at: at)], to: &catalogue)
        XCTAssertEqual(catalogue.programmeSchedule().map(\.id), [1])
        XCTAssertEqual(catalogue.programme.cutAfterFragment(of: 1), 0)
        // Once the cut is over, there is nothing to skip or stop.
        var after = catalogue
        let late = Self.time(60)
        XCTAssertEqual(after.apply(entry: .queue(.skip, at: late), at: after.appliedIndex + 1, term: 1),
                       .ignored(.queueRefused(.skip, reason: "nothing is playing or queued")))
    }

    func testAnInterruptingStartGoesRightAfterThePlayingItemWhichIsCut() throws {
        var catalogue = Catalogue()
        Self.apply(Self.stream(1, at: 5, fragments: 5) + Self.stream(2, at: 5, fragments: 2), to: &catalogue)
        var now = F.start(3, name: "news", at: 8_000_000_000)
        now.interruptsProgramme = true
        Self.apply([.streamStarted(now)] + (0..<2).map { F.fragmentEntry(3, $0) } + [.streamEnded(stream: 3, fragmentCount: 2, durationSeconds: 4)], to: &catalogue)
        let schedule = catalogue.programmeSchedule()
        XCTAssertEqual(schedule.map(\.id), [1, 3, 2])
        XCTAssertEqual(catalogue.programme.cutAfterFragment(of: 1), 1, "3 s into stream 1: cut where fragment 1 ends")
        XCTAssertEqual(schedule[1].start, Self.after(Self.time(5), samples: 2 * Self.fragmentSamples))
        XCTAssertEqual(schedule[2].start, schedule[1].end)
    }

    func testALiveItemIsCutAtThePredictedFragmentWhoseCommitFixesTheEnd() throws {
        var catalogue = Catalogue()
        Self.apply(Self.stream(1, at: 5, fragments: 1, live: true) + Self.stream(2, at: 5, fragments: 1), to: &catalogue)
        // 7 s into stream 1, which has one fragment (to 1.992 s): the cut is predicted after fragment 3.
        Self.apply([.queue(.skip, at: Self.time(12))], to: &catalogue)
        XCTAssertEqual(catalogue.programme.cutAfterFragment(of: 1), 3)
        XCTAssertNil(catalogue.programmeSchedule()[0].end)
        let changes = Self.apply((1...3).map { F.fragmentEntry(1, $0) }, to: &catalogue)
        XCTAssertNil(changes[0].schedule)
        XCTAssertNotNil(changes[2].schedule, "the cut fragment's commit fixes the item's end")
        let end = Self.after(Self.time(5), samples: 4 * Self.fragmentSamples)
        XCTAssertEqual(catalogue.programmeSchedule()[0].end, end)
        XCTAssertEqual(catalogue.programmeSchedule()[1].start, end)
    }

    func testTheSameLogGivesTheSameProgrammeWhichSurvivesTheSnapshot() throws {
        var entries = Self.stream(1, at: 5, fragments: 4) + Self.stream(2, at: 5, fragments: 2, live: true)
        entries += [.queue(.skip, at: Self.time(6))]
        entries += Self.stream(3, at: 7, fragments: 1)
        // Twelve minutes later: stream 1 and 2's history is forgotten, 3's start becomes its anchor.
        entries += [.streamEnded(stream: 2, fragmentCount: 2, durationSeconds: 4)] + Self.stream(4, at: 800, fragments: 1)
        var a = Catalogue()
        var b = Catalogue()
        Self.apply(Array(entries.prefix(9)), to: &a)
        let restored = try Catalogue(snapshot: a.snapshot())
        XCTAssertEqual(restored, a)
        b = restored
        Self.apply(Array(entries.dropFirst(9)), to: &a)
        Self.apply(Array(entries.dropFirst(9)), to: &b)
        var whole = Catalogue()
        Self.apply(entries, to: &whole)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, whole)
        XCTAssertEqual(a.programme.items.map(\.stream), [4], "items over for ten minutes are forgotten")
        let again = try Catalogue(snapshot: a.snapshot())
        XCTAssertEqual(again.programmeSchedule().map(\.start), a.programmeSchedule().map(\.start))
    }
}
