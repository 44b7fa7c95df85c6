import Media

/// The leader's side of ingesting one stream: a state machine that decides what to propose next and returns
/// actions; the caller proposes, waits, and feeds back what was committed (docs/catalogue.md, "Ingest").
///
///     var session = IngestSession(stream: id, name: "talk", source: src, fragmentSeconds: 2,
///                                 fragments: fragmenter, catalogue: catalogue, configuration: config)
///     loop: switch session.next(now: clusterNow) {
///     case .propose(let payload, _): try raft.propose(payload)   // refusal → .proposalRejected
///     case .wait(let until): sleep until `until` or the next event
///     case .done, .failed: stop
///     }
///     // for every committed catalogue entry: session.handle(.applied(event, catalogue: catalogue), at: now)
///
/// - It proposes the stream's start first, unless the catalogue has it; then fragments from the catalogue's
///   `firstMissingFragment` on, in order; then the end once every fragment is committed.
/// - Backpressure: its uncommitted proposals never exceed `maxUncommittedBytes` (one larger fragment alone).
/// - Pacing: with a `lead`, fragment `i` is proposed no earlier than its playout time minus the lead.
/// - Resume is exact: a session started on a new leader reads the committed start (and its timeline) and the
///   first missing fragment from the catalogue; proposals of the old leader that commit later are seen in the
///   catalogue and skipped. Fragments are identified by (stream, index), so nothing is duplicated or skipped.
/// - Losing leadership (or a `notLeader` refusal) stops the session: `.failed(.leadershipLost(leader:))`.
/// - A source that fails part-way (a damaged file, fragments out of order) ends the stream at its last good
///   fragment, once those are committed, and then stops with `.failed(.source(_:))`: the catalogue never
///   keeps a stream `ingesting` that nothing will finish.
/// - A fragment whose times break ``CatalogueLimits`` is not paced (its playout time means nothing): it is
///   proposed at once, the catalogue fails the stream on every node, and the session stops with
///   `.failed(.streamFailed(_:reason:))`. The session never traps on the times its source reports.
///
/// Not `Sendable` on purpose: it holds and consumes its fragment source (a reference); one task drives it.
public struct IngestSession {
    private enum Phase {
        case needsStart
        case awaitingStart
        case streaming
        case awaitingEnd
        case done
        case failed(IngestFailure)
    }

    /// After a busy refusal, the session proposes again at the next commit or after this long.
    public static let busyRetryInterval: Duration = .milliseconds(100)

    /// The stream being ingested.
    public let stream: StreamID
    private let name: String
    private let sourceDescription: CatalogueSource
    private let fragmentSeconds: Double
    private let expectedFragmentCount: Int?
    private let configuration: IngestConfiguration
    private let fragments: any IngestFragmentSource
    private let headerRecord: [UInt8]
    private let streamStartSeconds: Double
    private let interruptsProgramme: Bool

    /// A fragment's catalogue entry, waiting to be proposed.
    private struct PendingFragment {
        var index: Int
        var payload: [UInt8]
        var startSeconds: Double
        /// It breaks ``CatalogueLimits``: proposed without pacing, and the stream fails.
        var breaksLimits: Bool
    }

    private var phase: Phase
    private var timelineStart: ClusterTime?
    /// Fragments committed (the catalogue's first missing fragment).
    private var committed = 0
    /// The next fragment index to propose.
    private var nextIndex = 0
    /// A fragment read from the source (or refused by Raft) and not proposed yet.
    private var pending: PendingFragment?
    /// The last proposal, kept until the caller had the chance to report a refusal.
    private var lastProposal: PendingFragment?
    /// The last fragment read from the source, as the catalogue will hold it (for the limits check).
    private var lastRead: CatalogueFragment?
    /// Proposed, uncommitted fragments: index, bytes, playout time.
    private var inflight: [(index: Int, bytes: Int, playout: ClusterTime?)] = []
    private var sourceExhausted = false
    /// Why the source stopped early: the stream is ended at its last good fragment, then this is reported.
    private var sourceFailure: IngestFailure?
    private var sourceFragmentCount = 0
    private var streamEndSeconds: Double?
    private var firstActionAt: ClusterTime?
    private var committedBytes = 0
    private var smallestMargin: Duration?
    /// Raft refused the last proposal as busy: propose again after the next commit or at this time.
    private var retryAt: ClusterTime?
    /// The programme no longer plays fragments from this index on (the stream was cut after the one
    /// before, or taken out of the queue): nothing past it is proposed, and the stream ends there.
    private var stopAt: Int?
    /// The committed length in seconds when the programme stopped needing more (for the end entry).
    private var stopDuration: Double = 0

    /// A session for `stream`, reading `fragments`, starting from what `catalogue` (the leader's, up to date
    /// with its commit) already holds.
    public init(
        stream: StreamID, name: String, source: CatalogueSource, fragmentSeconds: Double,
        expectedFragmentCount: Int? = nil, fragments: any IngestFragmentSource, catalogue: Catalogue,
        configuration: IngestConfiguration, interruptsProgramme: Bool = false
    ) {
        self.interruptsProgramme = interruptsProgramme
        self.stream = stream
        self.name = name
        self.sourceDescription = source
        self.fragmentSeconds = fragmentSeconds
        self.expectedFragmentCount = expectedFragmentCount
        self.fragments = fragments
        self.configuration = configuration
        self.headerRecord = fragments.header.encoded()
        let reference = fragments.header.referenceTrack
        self.streamStartSeconds = reference.timeBase.seconds(reference.startPTS)
        self.phase = .needsStart
        if catalogue.removedStreams.contains(stream) {
            phase = .failed(.streamRemoved(stream))
        } else if let existing = catalogue.stream(stream) {
            adopt(existing)
        }
    }

    /// The stream start this session proposes (its start time fixed at `now`).
    private func start(at now: ClusterTime) -> CatalogueStreamStart {
        CatalogueStreamStart(
            id: stream, name: name, source: sourceDescription, headerRecord: headerRecord,
            startClusterTime: now + configuration.playoutDelay, fragmentSeconds: fragmentSeconds,
            expectedFragmentCount: expectedFragmentCount, isPaced: configuration.lead != nil,
            interruptsProgramme: interruptsProgramme)
    }

    /// Takes over a committed stream: its start (and timeline) and where its fragments stand.
    private mutating func adopt(_ existing: CatalogueStream) {
        let ours = start(at: existing.start.startClusterTime)
        guard existing.start.name == ours.name, existing.start.source == ours.source,
            existing.start.headerRecord == ours.headerRecord, existing.start.fragmentSeconds == ours.fragmentSeconds,
            existing.start.isPaced == ours.isPaced
        else {
            phase = .failed(.streamIDInUse(stream))
            return
        }
        if let reason = existing.failureReason {
            phase = .failed(.streamFailed(stream, reason: reason))
            return
        }
        timelineStart = existing.start.startClusterTime
        catchUp(to: existing.firstMissingFragment)
        phase = existing.hasEnded ? .done : .streaming
    }

    private mutating func catchUp(to firstMissing: Int) {
        guard firstMissing > committed else { return }
        committed = firstMissing
        inflight.removeAll { $0.index < firstMissing }
        nextIndex = max(nextIndex, firstMissing)
        if let p = pending, p.index < firstMissing { pending = nil }
    }

    // MARK: Actions

    /// What to do now (`now`: the leader's cluster time).
    public mutating func next(now: ClusterTime) -> IngestAction {
        if firstActionAt == nil { firstActionAt = now }
        lastProposal = nil
        if let retryAt {
            if now < retryAt { return .wait(until: retryAt) }
            self.retryAt = nil
        }
        switch phase {
        case .failed(let failure):
            return .failed(failure)
        case .done:
            return .done
        case .needsStart:
            // The first fragment is read before the start is proposed, so the playout delay is not spent
            // demuxing it: from the start's time on, only its commit and the fragment's stand between the
            // nodes and the first sample.
            readAhead()
            phase = .awaitingStart
            return .propose(payload: CatalogueEntry.streamStarted(start(at: now)).encoded(), .streamStart)
        case .awaitingStart, .awaitingEnd:
            return .wait(until: nil)
        case .streaming:
            return nextInStream(now: now)
        }
    }

    private mutating func nextInStream(now: ClusterTime) -> IngestAction {
        if let stopAt, committed >= stopAt || (pending?.index ?? Int.max) >= stopAt {
            // The programme plays nothing more of this stream: end it at what is committed.
            guard inflight.isEmpty else { return .wait(until: nil) }
            phase = .awaitingEnd
            return .propose(
                payload: CatalogueEntry.streamEnded(stream: stream, fragmentCount: committed, durationSeconds: stopDuration)
                    .encoded(), .streamEnd(fragmentCount: committed))
        }
        readAhead()
        guard let fragment = pending else {
            // The source is exhausted: end once everything is committed.
            // (A source that broke may have read fewer fragments than an earlier leader committed.)
            let allCommitted = committed == sourceFragmentCount || (sourceFailure != nil && committed > sourceFragmentCount)
            guard inflight.isEmpty, allCommitted else { return .wait(until: nil) }
            phase = .awaitingEnd
            let duration = max(0, (streamEndSeconds ?? streamStartSeconds) - streamStartSeconds)
            return .propose(
                payload: CatalogueEntry.streamEnded(stream: stream, fragmentCount: committed, durationSeconds: duration)
                    .encoded(), .streamEnd(fragmentCount: committed))
        }
        let size = fragment.payload.count - CatalogueEntry.fragmentRecordOffset
        let uncommitted = inflight.reduce(0) { $0 + $1.bytes }
        if !inflight.isEmpty, uncommitted + size > configuration.maxUncommittedBytes { return .wait(until: nil) }
        let playout = fragment.breaksLimits ? nil : playoutTime(ofFragmentStartingAt: fragment.startSeconds)
        if let lead = configuration.lead, let playout, now < playout - lead { return .wait(until: playout - lead) }
        pending = nil
        lastProposal = fragment
        inflight.append((fragment.index, size, playout))
        nextIndex = fragment.index + 1
        return .propose(payload: fragment.payload, .fragment(index: fragment.index, bytes: size))
    }

    /// Reads the next fragment into `pending` unless one is waiting or the source is exhausted. A source
    /// that breaks ends the stream where its good fragments end, on every node, so that no node waits for
    /// fragments that will never come; the session then reports it.
    private mutating func readAhead() {
        guard pending == nil, !sourceExhausted, let failure = readSource() else { return }
        sourceFailure = failure
        sourceExhausted = true
    }

    /// Reads the next fragment to propose into `pending`, skipping those already committed.
    private mutating func readSource() -> IngestFailure? {
        while true {
            let fragment: Fragment?
            do {
                fragment = try fragments.nextFragment()
            } catch {
                return .source("\(error)")
            }
            guard let fragment else {
                sourceExhausted = true
                return nil
            }
            guard fragment.index == sourceFragmentCount else {
                return .source("fragment \(fragment.index) came where \(sourceFragmentCount) was due")
            }
            sourceFragmentCount += 1
            streamEndSeconds = fragment.startSeconds + fragment.durationSeconds
            let breaksLimits =
                CatalogueLimits.violation(of: fragment, header: fragments.header, previous: lastRead) != nil
            lastRead = CatalogueFragment(
                index: fragment.index, timeBase: fragment.timeBase, startPTS: fragment.startPTS,
                durationPTS: fragment.durationPTS, byteCount: 0, startsWithKeyframe: fragment.startsWithKeyframe,
                packetCount: fragment.packets.count, logIndex: 0, hash: 0)
            if fragment.index >= nextIndex {
                let record = fragment.encoded()
                let payload = CatalogueEntry.fragment(stream: stream, index: fragment.index, record: record[...]).encoded()
                pending = PendingFragment(
                    index: fragment.index, payload: payload, startSeconds: fragment.startSeconds,
                    breaksLimits: breaksLimits)
                return nil
            }
        }
    }

    /// When a fragment starting at `seconds` (source time) plays: nil before the start is committed, or when
    /// the offset is not a representable time (the fragment is then not paced; the catalogue judges it).
    private func playoutTime(ofFragmentStartingAt seconds: Double) -> ClusterTime? {
        guard let timelineStart else { return nil }
        let offset = ((seconds - streamStartSeconds) * 1e9).rounded()
        guard offset.isFinite, offset.magnitude < 9.0e18 else { return nil }
        return timelineStart + .nanoseconds(Int64(offset))
    }

    // MARK: Events

    /// Feeds back what happened (`now`: the leader's cluster time).
    public mutating func handle(_ event: IngestEvent, at now: ClusterTime) {
        switch event {
        case .leadershipLost(let leader):
            stop(.leadershipLost(leader: leader))
        case .proposalRejected(.notLeader(let leader)):
            stop(.leadershipLost(leader: leader))
        case .proposalRejected(.busy):
            rewindLastProposal()
            retryAt = now + Self.busyRetryInterval
        case let .applied(event, catalogue):
            retryAt = nil
            applied(event, catalogue: catalogue, now: now)
        }
    }

    private mutating func stop(_ failure: IngestFailure) {
        switch phase {
        case .done, .failed: return
        default: phase = .failed(failure)
        }
    }

    /// Raft refused the last proposal: it is proposed again next time.
    private mutating func rewindLastProposal() {
        switch phase {
        case .awaitingStart: phase = .needsStart
        case .awaitingEnd: phase = .streaming
        case .streaming:
            guard let proposal = lastProposal else { return }
            inflight.removeAll { $0.index == proposal.index }
            pending = proposal
            nextIndex = proposal.index
        default: return
        }
        lastProposal = nil
    }

    private mutating func applied(_ event: CatalogueEvent, catalogue: Catalogue, now: ClusterTime) {
        noteProgramme(catalogue)
        switch event {
        case .streamStarted(let id) where id == stream:
            if case .awaitingStart = phase, let existing = catalogue.stream(stream) { adopt(existing) }
        case .ignored(.duplicateStart(let id)) where id == stream:
            if case .awaitingStart = phase, let existing = catalogue.stream(stream) { adopt(existing) }
        case let .fragmentCommitted(id, index, _) where id == stream:
            if let mine = inflight.first(where: { $0.index == index }) {
                committedBytes += mine.bytes
                if let playout = mine.playout {
                    let margin = playout - now
                    smallestMargin = min(smallestMargin ?? margin, margin)
                }
            }
            catchUp(to: catalogue.firstMissingFragment(of: stream) ?? committed)
        case .ignored(.duplicateFragment(let id, _)) where id == stream:
            catchUp(to: catalogue.firstMissingFragment(of: stream) ?? committed)
        case .streamEnded(let id, _) where id == stream, .ignored(.duplicateEnd(let id)) where id == stream:
            catchUp(to: catalogue.firstMissingFragment(of: stream) ?? committed)
            phase = sourceFailure.map { .failed($0) } ?? .done
        case .streamRemoved(let id) where id == stream:
            stop(.streamRemoved(stream))
        case let .streamFailed(id, _, reason) where id == stream:
            stop(.streamFailed(stream, reason: reason))
        case .ignored(let rejection) where rejection.stream == stream && !rejection.isIdempotentDuplicate:
            stop(.refused(rejection))
        default:
            return
        }
    }

    /// Reads from the programme how much of the stream will still be played: up to its cut fragment, or
    /// nothing more once it left the queue (a stream never queued, before the programme, is not touched).
    private mutating func noteProgramme(_ catalogue: Catalogue) {
        guard let existing = catalogue.stream(stream) else { return }
        if stopAt == nil {
            if let cut = catalogue.programme.cutAfterFragment(of: stream) {
                stopAt = cut + 1
            } else if catalogue.programme.item(stream) == nil, !existing.isFinal {
                stopAt = existing.fragments.count
            } else {
                return
            }
        }
        stopDuration = existing.committedDurationSeconds
    }

    // MARK: Progress

    /// How far the ingest has got, at cluster time `now`.
    public func progress(at now: ClusterTime) -> IngestProgress {
        var rate: Double?
        if let first = firstActionAt {
            let seconds = Double((now - first).wholeNanoseconds) / 1e9
            if seconds >= 1 { rate = Double(committedBytes) / seconds }
        }
        return IngestProgress(
            committedFragments: committed, totalFragments: sourceExhausted ? sourceFragmentCount : expectedFragmentCount,
            committedBytes: committedBytes, uncommittedBytes: inflight.reduce(0) { $0 + $1.bytes },
            bytesPerSecond: rate, smallestCommitMargin: smallestMargin)
    }

    /// Bytes of this session's proposals not yet committed.
    public var uncommittedBytes: Int { inflight.reduce(0) { $0 + $1.bytes } }

    /// The first fragment index not known to be committed.
    public var committedFragments: Int { committed }

    /// Where the stream's sample 0 is heard, once the start is committed.
    public var startClusterTime: ClusterTime? { timelineStart }
}
