import Broadcast
import BroadcastTesting
import Media
import XCTest

/// Fragments handed out in order from a list (what a `Fragmenter` would cut).
final class IngestListSource: IngestFragmentSource {
    let header: StreamHeader
    private let fragments: [Fragment]
    private var position = 0
    private(set) var reads = 0

    init(header: StreamHeader = CatalogueFixtures.header, _ fragments: [Fragment]) {
        self.header = header
        self.fragments = fragments
    }

    func nextFragment() throws -> Fragment? {
        reads += 1
        guard position < fragments.count else { return nil }
        defer { position += 1 }
        return fragments[position]
    }
}

/// A leader's log as the ingest tests need it: proposals append to an uncommitted tail, the test commits
/// from its head, and every committed entry is applied to the catalogue.
struct IngestTestLog {
    var catalogue = Catalogue()
    var committed: [[UInt8]] = []
    var uncommitted: [[UInt8]] = []
    var events: [CatalogueEvent?] = []

    var uncommittedFragmentBytes: Int {
        uncommitted.reduce(0) { total, payload in
            guard case .fragment(_, _, let record)? = try? CatalogueEntry(decoding: payload) else { return total }
            return total + record.count
        }
    }

    var uncommittedFragmentCount: Int {
        uncommitted.filter { payload in
            if case .fragment? = try? CatalogueEntry(decoding: payload) { true } else { false }
        }.count
    }

    /// Commits the oldest uncommitted entry; returns its catalogue event.
    mutating func commitOne() -> CatalogueEvent? {
        let payload = uncommitted.removeFirst()
        committed.append(payload)
        let event = catalogue.apply(payload: payload, at: UInt64(committed.count), term: 1)
        events.append(event)
        return event
    }
}

final class IngestSessionTests: XCTestCase {
    typealias F = CatalogueFixtures

    static func fragments(_ count: Int, bytesPerPacket: Int = 40) -> [Fragment] {
        (0..<count).map { F.fragment($0, bytesPerPacket: bytesPerPacket) }
    }

    static func session(
        _ source: any IngestFragmentSource, catalogue: Catalogue, budget: Int = 1 << 20, lead: Duration? = nil,
        stream: StreamID = 77
    ) -> IngestSession {
        IngestSession(
            stream: stream, name: "talk", source: F.source(), fragmentSeconds: 2, fragments: source,
            catalogue: catalogue,
            configuration: IngestConfiguration(maxUncommittedBytes: budget, playoutDelay: .milliseconds(1500), lead: lead))
    }

    /// Runs `session` against `log` until it is done or fails, committing one entry whenever it waits for
    /// an event (or `commitEagerly`: after every proposal), and moving a manual clock to every wait time.
    /// Checks the budget at every step. Returns the final action.
    @discardableResult
    static func run(
        _ session: inout IngestSession, log: inout IngestTestLog, now: inout ClusterTime, budget: Int,
        proposed: ((IngestProposal, ClusterTime) -> Void)? = nil,
        budgetUse: ((_ logBytes: Int, _ sessionBytes: Int, _ fragments: Int) -> Void)? = nil
    ) -> IngestAction {
        for _ in 0..<10_000 {
            let action = session.next(now: now)
            switch action {
            case .propose(let payload, let what):
                log.uncommitted.append(payload)
                proposed?(what, now)
                let inflight = log.uncommittedFragmentCount
                if case .fragment = what { budgetUse?(log.uncommittedFragmentBytes, session.uncommittedBytes, inflight) }
                XCTAssertTrue(
                    session.uncommittedBytes <= budget || inflight == 1,
                    "\(session.uncommittedBytes) bytes in \(inflight) fragments over the budget \(budget)")
            case .wait(let until):
                if let until, log.uncommitted.isEmpty {
                    XCTAssertGreaterThan(until, now)
                    now = until
                } else {
                    guard !log.uncommitted.isEmpty else { XCTFail("waits with nothing to commit"); return action }
                    let event = log.commitOne()
                    now = now + .milliseconds(5)
                    if let event { session.handle(.applied(event, catalogue: log.catalogue), at: now) }
                }
            case .done, .failed:
                return action
            }
        }
        XCTFail("ingest did not finish")
        return .failed(.source("unfinished"))
    }

    /// Every fragment of stream 77 exactly once, in order, equal to the source's.
    private func assertComplete(_ log: IngestTestLog, count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let stream = try XCTUnwrap(log.catalogue.stream(77), file: file, line: line)
        XCTAssertEqual(stream.state.fragmentCount, count, file: file, line: line)
        XCTAssertEqual(stream.fragments.map(\.index), Array(0..<count), file: file, line: line)
        let store = CatalogueMemoryFragmentStore()
        for (i, payload) in log.committed.enumerated() { store.store(payload, atLogIndex: UInt64(i + 1)) }
        for i in 0..<count {
            XCTAssertEqual(Array(try log.catalogue.record(stream: 77, index: i, in: store)), F.fragment(i).encoded(), file: file, line: line)
        }
        let commits = log.events.filter { if case .fragmentCommitted? = $0 { true } else { false } }
        XCTAssertEqual(commits.count, count, "each fragment committed once", file: file, line: line)
    }

    /// A skip committed while the stream is ingested: the session proposes nothing past what is in flight
    /// and ends the stream there, since the programme plays none of the rest.
    func testASkippedStreamEndsAtWhatIsCommittedInsteadOfIngestingTheRest() throws {
        let source = IngestListSource(Self.fragments(10))
        var log = IngestTestLog()
        // At most two fragments in flight, so the skip arrives while most of the file is still unread.
        var session = Self.session(source, catalogue: log.catalogue, budget: 2 * F.fragment(0).encoded().count + 16)
        var now = ClusterTime(nanoseconds: 1_000_000_000)
        var proposals: [IngestProposal] = []
        var final: IngestAction?
        steps: for _ in 0..<1_000 {
            let action = session.next(now: now)
            switch action {
            case .propose(let payload, let what):
                log.uncommitted.append(payload)
                proposals.append(what)
                // The operator's skip, 3 s into the stream (which starts at 2.5 s), reaches the log meanwhile.
                if case .fragment(index: 3, _) = what {
                    log.uncommitted.append(CatalogueEntry.queue(.skip, at: ClusterTime(nanoseconds: 5_500_000_000)).encoded())
                }
            case .wait:
                guard !log.uncommitted.isEmpty else { break steps }
                now = now + .milliseconds(5)
                if let event = log.commitOne() { session.handle(.applied(event, catalogue: log.catalogue), at: now) }
            case .done, .failed:
                final = action
                break steps
            }
        }
        XCTAssertEqual(final, .done)
        XCTAssertEqual(log.catalogue.programme.cutAfterFragment(of: 77), 1, "the fragment whose audio reaches 3 s")
        // Fragments 4 and 5 were proposed before the skip committed (after 2 and 3): they commit, and the
        // stream ends there; nothing is proposed once the skip is applied.
        XCTAssertEqual(proposals.last, .streamEnd(fragmentCount: 6))
        XCTAssertFalse(proposals.contains(.fragment(index: 6, bytes: F.fragment(6).encoded().count)))
        XCTAssertEqual(log.catalogue.stream(77)?.state.fragmentCount, 6)
        XCTAssertEqual(source.reads, 7, "the source is not read past what the programme plays")
    }

    func testFastIngestStartsCommitsEveryFragmentAndEnds() throws {
        let source = IngestListSource(Self.fragments(10))
        var log = IngestTestLog()
        var session = Self.session(source, catalogue: log.catalogue)
        var now = ClusterTime(nanoseconds: 1_000_000_000)
        var proposals: [IngestProposal] = []
        let final = Self.run(&session, log: &log, now: &now, budget: 1 << 20) { what, _ in proposals.append(what) }
        XCTAssertEqual(final, .done)
        let sizes = (0..<10).map { F.fragment($0).encoded().count }
        XCTAssertEqual(
            proposals,
            [.streamStart] + (0..<10).map { .fragment(index: $0, bytes: sizes[$0]) } + [.streamEnd(fragmentCount: 10)])
        try assertComplete(log, count: 10)
        let stream = try XCTUnwrap(log.catalogue.stream(77))
        XCTAssertEqual(stream.start.startClusterTime, ClusterTime(nanoseconds: 2_500_000_000), "now + playout delay")
        XCTAssertEqual(session.startClusterTime, stream.start.startClusterTime)
        XCTAssertFalse(stream.start.isPaced)
        XCTAssertEqual(stream.state, .ended(fragmentCount: 10, durationSeconds: F.fragment(0).durationSeconds * 10))
        let progress = session.progress(at: now)
        XCTAssertEqual(progress.committedFragments, 10)
        XCTAssertEqual(progress.totalFragments, 10)
        XCTAssertEqual(progress.committedBytes, sizes.reduce(0, +))
        XCTAssertEqual(progress.uncommittedBytes, 0)
        XCTAssertEqual(session.next(now: now), .done)
    }

    func testUncommittedBytesNeverExceedTheBudget() throws {
        let size = F.fragment(0, bytesPerPacket: 400).encoded().count
        for budget in [size - 1, size, size + 1, 3 * size, 3 * size + size / 2] {
            let source = IngestListSource(Self.fragments(12, bytesPerPacket: 400))
            var log = IngestTestLog()
            var session = Self.session(source, catalogue: log.catalogue, budget: budget)
            var now = ClusterTime.zero
            var inflightCounts: [Int] = []
            // Commit only when the session waits, so it fills the budget first.
            let final = Self.run(&session, log: &log, now: &now, budget: budget, budgetUse: { logBytes, sessionBytes, fragments in
                XCTAssertEqual(logBytes, sessionBytes)
                XCTAssertTrue(logBytes <= budget || fragments == 1, "budget \(budget): \(logBytes) bytes uncommitted")
                inflightCounts.append(fragments)
            })
            XCTAssertEqual(final, .done)
            XCTAssertEqual(inflightCounts.max(), max(1, budget / size), "the budget is used, budget \(budget)")
            XCTAssertEqual(log.catalogue.stream(77)?.fragments.count, 12)
        }
    }

    func testABusyRefusalProposesTheSameFragmentAgain() throws {
        let source = IngestListSource(Self.fragments(3))
        var log = IngestTestLog()
        var session = Self.session(source, catalogue: log.catalogue)
        var now = ClusterTime.zero
        guard case .propose(let start, .streamStart) = session.next(now: now) else { return XCTFail() }
        log.uncommitted.append(start)
        session.handle(.applied(log.commitOne()!, catalogue: log.catalogue), at: now)
        guard case .propose(let first, .fragment(0, _)) = session.next(now: now) else { return XCTFail() }
        session.handle(.proposalRejected(.busy), at: now)
        XCTAssertEqual(session.uncommittedBytes, 0)
        XCTAssertEqual(session.next(now: now), .wait(until: now + IngestSession.busyRetryInterval))
        now = now + IngestSession.busyRetryInterval
        guard case .propose(let again, .fragment(0, _)) = session.next(now: now) else { return XCTFail() }
        XCTAssertEqual(again, first)
        log.uncommitted.append(again)
        XCTAssertEqual(Self.run(&session, log: &log, now: &now, budget: 1 << 20), .done)
        try assertComplete(log, count: 3)
    }

    /// Leader A ingests until `committedBeforeLoss` entries committed, having proposed `proposedBeforeLoss`
    /// entries; of the uncommitted ones the first `carriedOver` stay in the log (they commit under the new
    /// leader), the rest are lost. Leader B resumes from its catalogue.
    private func resume(proposedBeforeLoss: Int, committedBeforeLoss: Int, carriedOver: Int, count: Int = 8) throws {
        let label = "proposed \(proposedBeforeLoss), committed \(committedBeforeLoss), carried \(carriedOver)"
        var log = IngestTestLog()
        var now = ClusterTime(nanoseconds: 10_000_000_000)
        var sessionA = Self.session(IngestListSource(Self.fragments(count)), catalogue: log.catalogue, budget: 1 << 20)
        for _ in 0..<proposedBeforeLoss {
            guard case .propose(let payload, _) = sessionA.next(now: now) else { return XCTFail(label) }
            log.uncommitted.append(payload)
            while log.committed.count < min(committedBeforeLoss, log.committed.count + log.uncommitted.count),
                !log.uncommitted.isEmpty
            {
                let event = log.commitOne()
                if let event { sessionA.handle(.applied(event, catalogue: log.catalogue), at: now) }
            }
        }
        XCTAssertEqual(log.committed.count, committedBeforeLoss, label)
        sessionA.handle(.leadershipLost(leader: 2), at: now)
        XCTAssertEqual(sessionA.next(now: now), .failed(.leadershipLost(leader: 2)), label)
        log.uncommitted = Array(log.uncommitted.prefix(carriedOver))

        // Leader B: its catalogue is what was committed; the carried-over entries commit before B's own.
        now = now + .seconds(1)
        let sourceB = IngestListSource(Self.fragments(count))
        var sessionB = Self.session(sourceB, catalogue: log.catalogue, budget: 1 << 20)
        var proposalsB: [IngestProposal] = []
        let final = Self.run(&sessionB, log: &log, now: &now, budget: 1 << 20) { what, _ in proposalsB.append(what) }
        XCTAssertEqual(final, .done, label)
        try assertComplete(log, count: count)
        // B never proposed a fragment that was committed when it started.
        let committedAtStart = committedBeforeLoss > 0 ? committedBeforeLoss - 1 : 0
        for case .fragment(let index, _) in proposalsB { XCTAssertGreaterThanOrEqual(index, committedAtStart, label) }
        // The stream plays on A's timeline when A's start committed (carried over or not).
        let aStart = ClusterTime(nanoseconds: 11_500_000_000)
        let startCommittedFromA = committedBeforeLoss + carriedOver > 0
        XCTAssertEqual(log.catalogue.stream(77)?.start.startClusterTime, startCommittedFromA ? aStart : aStart + .seconds(1), label)
        XCTAssertEqual(sessionB.startClusterTime, log.catalogue.stream(77)?.start.startClusterTime, label)
        // What was committed twice was ignored as a duplicate, never as a conflict.
        for event in log.events {
            if case .ignored(let rejection)? = event { XCTAssertTrue(rejection.isIdempotentDuplicate, "\(label): \(rejection)") }
        }
    }

    func testResumeOnANewLeaderIsExactAfterAnyLoss() throws {
        for proposed in [0, 1, 2, 4, 6, 9] {
            // Nothing but the start can be proposed before the start commits.
            for committed in 0...proposed where committed > 0 || proposed <= 1 {
                for carried in 0...(proposed - committed) {
                    try resume(proposedBeforeLoss: proposed, committedBeforeLoss: committed, carriedOver: carried)
                }
            }
        }
    }

    func testAResumeAfterTheEndCommittedIsDone() {
        var log = IngestTestLog()
        var now = ClusterTime.zero
        var first = Self.session(IngestListSource(Self.fragments(2)), catalogue: log.catalogue)
        XCTAssertEqual(Self.run(&first, log: &log, now: &now, budget: 1 << 20), .done)
        let source = IngestListSource(Self.fragments(2))
        var again = Self.session(source, catalogue: log.catalogue)
        XCTAssertEqual(again.next(now: now), .done)
        XCTAssertEqual(source.reads, 0, "nothing read")
    }

    func testAnotherStreamWithTheSameIDOrARemovedOneIsRefused() {
        var log = IngestTestLog()
        var other = F.start(77)
        other.source = F.source("other.mp3")
        log.uncommitted = [CatalogueEntry.streamStarted(other).encoded()]
        _ = log.commitOne()
        var session = Self.session(IngestListSource(Self.fragments(2)), catalogue: log.catalogue)
        XCTAssertEqual(session.next(now: .zero), .failed(.streamIDInUse(77)))
        log.uncommitted = [CatalogueEntry.streamRemoved(stream: 77).encoded()]
        _ = log.commitOne()
        var removed = Self.session(IngestListSource(Self.fragments(2)), catalogue: log.catalogue)
        XCTAssertEqual(removed.next(now: .zero), .failed(.streamRemoved(77)))
    }

    func testASourceThatSkipsAnIndexFails() {
        let source = IngestListSource([F.fragment(0), F.fragment(2)])
        var log = IngestTestLog()
        var session = Self.session(source, catalogue: log.catalogue)
        var now = ClusterTime.zero
        XCTAssertEqual(
            Self.run(&session, log: &log, now: &now, budget: 1 << 20),
            .failed(.source("fragment 2 came where 1 was due")))
    }

    func testPacedIngestNeverProposesBeyondTheLead() throws {
        let lead = Duration.seconds(3)
        let source = IngestListSource(Self.fragments(12))
        var log = IngestTestLog()
        var session = Self.session(source, catalogue: log.catalogue, lead: lead)
        var now = ClusterTime(nanoseconds: 100_000_000_000)
        var proposedAt: [Int: ClusterTime] = [:]
        let final = Self.run(&session, log: &log, now: &now, budget: 1 << 20) { what, at in
            if case .fragment(let index, _) = what { proposedAt[index] = at }
        }
        XCTAssertEqual(final, .done)
        let stream = try XCTUnwrap(log.catalogue.stream(77))
        XCTAssertTrue(stream.start.isPaced)
        XCTAssertEqual(stream.start.startClusterTime, ClusterTime(nanoseconds: 101_500_000_000))
        for index in 0..<12 {
            let playout = stream.start.startClusterTime
                + .nanoseconds(Int64((F.fragment(index).startSeconds * 1e9).rounded()))
            let at = try XCTUnwrap(proposedAt[index])
            XCTAssertGreaterThanOrEqual(at, playout - lead, "fragment \(index) proposed too early")
            if playout - lead > ClusterTime(nanoseconds: 100_010_000_000) {
                XCTAssertEqual(at, playout - lead, "fragment \(index) proposed as soon as allowed")
            }
        }
        // Committed promptly, every fragment had most of the lead left.
        let margin = try XCTUnwrap(session.progress(at: now).smallestCommitMargin)
        XCTAssertGreaterThan(margin, .milliseconds(1400))
        XCTAssertLessThanOrEqual(margin, lead)
        try assertComplete(log, count: 12)
    }

    func testPacedResumeKeepsTheCommittedTimeline() throws {
        let lead = Duration.seconds(3)
        var log = IngestTestLog()
        var now = ClusterTime(nanoseconds: 20_000_000_000)
        var sessionA = Self.session(IngestListSource(Self.fragments(8)), catalogue: log.catalogue, lead: lead)
        // A: the start and fragments 0–2 commit, then A is deposed.
        for _ in 0..<200 where (log.catalogue.firstMissingFragment(of: 77) ?? 0) < 3 {
            switch sessionA.next(now: now) {
            case .propose(let payload, _): log.uncommitted.append(payload)
            case .wait(let until):
                if log.uncommitted.isEmpty, let until { now = until; continue }
                if let event = log.commitOne() { sessionA.handle(.applied(event, catalogue: log.catalogue), at: now) }
            default: return XCTFail("leader A stopped")
            }
        }
        sessionA.handle(.leadershipLost(leader: nil), at: now)
        XCTAssertEqual(sessionA.next(now: now), .failed(.leadershipLost(leader: nil)))
        log.uncommitted.removeAll()
        let start = try XCTUnwrap(log.catalogue.stream(77)?.start.startClusterTime)
        XCTAssertEqual(start, ClusterTime(nanoseconds: 21_500_000_000))

        // B is elected 700 ms later and paces against A's timeline.
        now = now + .milliseconds(700)
        var sessionB = Self.session(IngestListSource(Self.fragments(8)), catalogue: log.catalogue, lead: lead)
        XCTAssertEqual(sessionB.startClusterTime, start)
        var proposedAt: [Int: ClusterTime] = [:]
        let final = Self.run(&sessionB, log: &log, now: &now, budget: 1 << 20, proposed: { what, at in
            if case .fragment(let index, _) = what { proposedAt[index] = at }
        })
        XCTAssertEqual(final, .done)
        XCTAssertEqual(proposedAt.keys.sorted(), Array(3..<8))
        for (index, at) in proposedAt {
            let playout = start + .nanoseconds(Int64((F.fragment(index).startSeconds * 1e9).rounded()))
            XCTAssertGreaterThanOrEqual(at, playout - lead, "fragment \(index)")
        }
        try assertComplete(log, count: 8)
    }

    func testProgressReportsRateAndTotal() throws {
        var log = IngestTestLog()
        let source = IngestListSource(Self.fragments(4))
        var session = Self.session(source, catalogue: log.catalogue, expected: 4)
        var now = ClusterTime.zero
        XCTAssertEqual(session.progress(at: now).totalFragments, 4)
        XCTAssertNil(session.progress(at: now).bytesPerSecond)
        XCTAssertEqual(Self.run(&session, log: &log, now: &now, budget: 1 << 20), .done)
        let bytes = (0..<4).map { F.fragment($0).encoded().count }.reduce(0, +)
        let later = now + .seconds(2)
        let progress = session.progress(at: later)
        XCTAssertEqual(progress.committedBytes, bytes)
        XCTAssertEqual(
            try XCTUnwrap(progress.bytesPerSecond), Double(bytes) / (Double(later.nanoseconds) / 1e9), accuracy: 1e-9)
        XCTAssertEqual(log.catalogue.stream(77)?.start.expectedFragmentCount, 4)
    }
}

extension IngestSessionTests {
    static func session(_ source: IngestListSource, catalogue: Catalogue, expected: Int) -> IngestSession {
        IngestSession(
            stream: 77, name: "talk", source: F.source(), fragmentSeconds: 2, expectedFragmentCount: expected,
            fragments: source, catalogue: catalogue, configuration: IngestConfiguration())
    }
}

extension CatalogueStream.State {
    /// The fragment count of an ended stream.
    var fragmentCount: Int? { if case .ended(let count, _) = self { count } else { nil } }
}

/// A fragment source that breaks after `good` fragments (a damaged file part-way through).
final class IngestBrokenSource: IngestFragmentSource {
    struct Damage: Error, CustomStringConvertible { var description: String { "invalid data at byte 81920" } }
    let header = CatalogueFixtures.header
    private let fragments: [Fragment]
    private var position = 0

    init(good: [Fragment]) { fragments = good }

    func nextFragment() throws -> Fragment? {
        guard position < fragments.count else { throw Damage() }
        defer { position += 1 }
        return fragments[position]
    }
}

final class IngestSessionSourceFailureTests: XCTestCase {
    typealias F = CatalogueFixtures

    /// The stream ends at its last good fragment on every node (the end is a log entry), and only then
    /// does the session report the source's error: no stream stays `ingesting` for ever.
    func testASourceThatBreaksPartWayEndsTheStreamAtItsLastGoodFragmentThenFails() throws {
        let source = IngestBrokenSource(good: IngestSessionTests.fragments(4))
        var log = IngestTestLog()
        var session = IngestSession(
            stream: 77, name: "talk", source: F.source(), fragmentSeconds: 2, expectedFragmentCount: 10, fragments: source,
            catalogue: log.catalogue,
            configuration: IngestConfiguration(maxUncommittedBytes: 1 << 20, playoutDelay: .milliseconds(1500), lead: nil))
        var now = ClusterTime(nanoseconds: 1_000_000_000)
        var proposals: [IngestProposal] = []
        let final = IngestSessionTests.run(&session, log: &log, now: &now, budget: 1 << 20) { what, _ in proposals.append(what) }
        XCTAssertEqual(final, .failed(.source("invalid data at byte 81920")))
        XCTAssertEqual(proposals.last, .streamEnd(fragmentCount: 4))
        let stream = try XCTUnwrap(log.catalogue.stream(77))
        XCTAssertEqual(stream.state, .ended(fragmentCount: 4, durationSeconds: F.fragment(0).durationSeconds * 4))
        XCTAssertTrue(log.uncommitted.isEmpty)
        XCTAssertEqual(session.next(now: now), .failed(.source("invalid data at byte 81920")), "and stays failed")
    }

    /// On a new leader whose copy breaks before what the old leader committed, the stream ends at the
    /// committed fragments instead of waiting for ones that will never be read.
    func testAResumedSourceThatBreaksBeforeTheCommittedFragmentsEndsAtThem() throws {
        var log = IngestTestLog()
        var first = IngestSessionTests.session(IngestListSource(IngestSessionTests.fragments(10)), catalogue: log.catalogue)
        var now = ClusterTime(nanoseconds: 1_000_000_000)
        // The old leader commits its start and six fragments, then loses leadership.
        for _ in 0..<7 {
            guard case .propose(let payload, _) = first.next(now: now) else { return XCTFail("expected a proposal") }
            log.uncommitted.append(payload)
            if let event = log.commitOne() { first.handle(.applied(event, catalogue: log.catalogue), at: now) }
        }
        XCTAssertEqual(log.catalogue.stream(77)?.fragments.count, 6)
        var session = IngestSessionTests.session(IngestBrokenSource(good: IngestSessionTests.fragments(3)), catalogue: log.catalogue)
        let final = IngestSessionTests.run(&session, log: &log, now: &now, budget: 1 << 20)
        XCTAssertEqual(final, .failed(.source("invalid data at byte 81920")))
        XCTAssertEqual(log.catalogue.stream(77)?.state.fragmentCount, 6)
        XCTAssertEqual(log.catalogue.stream(77)?.hasEnded, true)
    }
}
