import Media

/// The replicated catalogue of streams and fragments: a value-type state machine that every node builds by
/// applying the same committed log entries in the same order, so every node holds the same catalogue.
///
///     var catalogue = Catalogue()
///     for entry in ready.committedEntries where entry.kind == .normal {
///         if let change = catalogue.applyChange(payload: entry.data, at: entry.index, term: entry.term) { … }
///     }
///
/// `apply` is a pure function of the catalogue and the entry: duplicates are ignored idempotently,
/// conflicts, gaps and entries for unknown, ended, failed or removed streams are ignored and reported, and
/// nothing committed is ever replaced. A fragment whose times break ``CatalogueLimits`` fails its stream
/// (`.streamFailed`): the stream keeps the fragments before it, takes no more, and every other stream goes
/// on. Fragment bytes are not kept: each fragment records the log index of its
/// entry, and `record(stream:index:in:)` reads it back from a `CatalogueFragmentStore` (docs/catalogue.md).
public struct Catalogue: Sendable, Hashable {
    /// Log index of the last entry applied (0 before any).
    public internal(set) var appliedIndex: UInt64 = 0
    /// Term of the last entry applied.
    public internal(set) var appliedTerm: UInt64 = 0
    /// Streams by id.
    var streamsByID: [StreamID: CatalogueStream] = [:]
    /// Stream ids in the order their starts were committed.
    var streamOrder: [StreamID] = []
    /// Ids of removed streams (never reused).
    public internal(set) var removedStreams: Set<StreamID> = []
    /// The programme: the queue of streams every node plays one after the other.
    public internal(set) var programme = Programme()

    /// An empty catalogue.
    public init() {}

    // MARK: Queries

    /// Every stream not removed, in the order they started.
    public var streams: [CatalogueStream] { streamOrder.compactMap { streamsByID[$0] } }

    /// The stream with `id`, nil when unknown or removed.
    public func stream(_ id: StreamID) -> CatalogueStream? { streamsByID[id] }

    /// The committed fragments of stream `id`, in order (empty when unknown).
    public func fragments(of id: StreamID) -> [CatalogueFragment] { streamsByID[id]?.fragments ?? [] }

    /// The first fragment index of stream `id` that is not committed: where an ingest resumes. Nil when the
    /// stream is unknown or removed.
    public func firstMissingFragment(of id: StreamID) -> Int? { streamsByID[id]?.firstMissingFragment }

    /// The lowest log index whose entry still holds fragment bytes the catalogue serves: the first fragment
    /// of every stream not removed. The node must not compact the log at or past it (docs/catalogue.md,
    /// "Fragment bytes live in the log"). Nil when no fragment is retained.
    public var retainedLogFloor: UInt64? {
        streamsByID.values.compactMap { $0.fragments.first?.logIndex }.min()
    }

    // MARK: Applying entries

    /// Applies the payload of the committed `.normal` log entry at `logIndex`. An empty payload (a new
    /// leader's no-op) only advances `appliedIndex` and returns nil; bytes that are not a catalogue entry
    /// are ignored and reported as `.undecodable`.
    public mutating func apply(payload: [UInt8], at logIndex: UInt64, term: UInt64) -> CatalogueEvent? {
        applyChange(payload: payload, at: logIndex, term: term)?.event
    }

    /// Applies a decoded entry committed at `logIndex` in `term`.
    public mutating func apply(entry: CatalogueEntry, at logIndex: UInt64, term: UInt64) -> CatalogueEvent {
        applyChange(entry: entry, at: logIndex, term: term).event
    }

    /// ``apply(payload:at:term:)``, describing what it did as a ``CatalogueChange``: the event, the
    /// stream after it and, for a committed fragment, the ``Fragment`` decoded to validate it (the only
    /// decode of that record on this node: playback takes this value).
    public mutating func applyChange(payload: [UInt8], at logIndex: UInt64, term: UInt64) -> CatalogueChange? {
        guard logIndex > appliedIndex else {
            return CatalogueChange(event: .ignored(.alreadyApplied(logIndex: logIndex)), logIndex: logIndex)
        }
        guard !payload.isEmpty else {
            advance(to: logIndex, term: term)
            return nil
        }
        do throws(CatalogueDecodingError) {
            let entry = try CatalogueEntry(decoding: payload[...])
            return applyChange(entry: entry, at: logIndex, term: term)
        } catch {
            advance(to: logIndex, term: term)
            return CatalogueChange(event: .ignored(.undecodable(error.description)), logIndex: logIndex)
        }
    }

    /// ``apply(entry:at:term:)``, describing what it did as a ``CatalogueChange`` (see
    /// ``applyChange(payload:at:term:)``).
    public mutating func applyChange(entry: CatalogueEntry, at logIndex: UInt64, term: UInt64) -> CatalogueChange {
        guard logIndex > appliedIndex else {
            return CatalogueChange(event: .ignored(.alreadyApplied(logIndex: logIndex)), logIndex: logIndex)
        }
        advance(to: logIndex, term: term)
        var fragment: Fragment?
        let event: CatalogueEvent
        switch entry {
        case .streamStarted(let start):
            event = applyStart(start, at: logIndex)
        case let .fragment(stream, index, record):
            event = applyFragment(stream: stream, index: index, record: record, at: logIndex, decoded: &fragment)
        case let .streamEnded(stream, fragmentCount, durationSeconds):
            event = applyEnd(stream: stream, fragmentCount: fragmentCount, durationSeconds: durationSeconds)
        case .streamRemoved(let stream):
            event = applyRemoval(stream)
        case let .queue(command, at):
            event = applyQueue(command, at: at)
        }
        guard event.changedCatalogue else { return CatalogueChange(event: event, logIndex: logIndex) }
        let stream = entry.stream.flatMap { streamsByID[$0] }
        return CatalogueChange(
            event: event, logIndex: logIndex, stream: stream, fragment: fragment,
            schedule: movesSchedule(event) ? programmeSchedule() : nil)
    }

    /// Whether `event` can move the programme's times: ``CatalogueEvent/changesSchedule``, or the commit of
    /// the fragment a cut item ends after (its end becomes known).
    private func movesSchedule(_ event: CatalogueEvent) -> Bool {
        if case let .fragmentCommitted(stream, index, _) = event { return programme.cutAfterFragment(of: stream) == index }
        return event.changesSchedule
    }

    private mutating func advance(to logIndex: UInt64, term: UInt64) {
        appliedIndex = logIndex
        appliedTerm = term
    }

    private mutating func applyStart(_ start: CatalogueStreamStart, at logIndex: UInt64) -> CatalogueEvent {
        let id = start.id
        if removedStreams.contains(id) { return .ignored(.removedStream(id)) }
        if let existing = streamsByID[id] {
            let sameStream =
                existing.start.name == start.name && existing.start.source == start.source
                && existing.start.headerRecord == start.headerRecord
                && existing.start.fragmentSeconds == start.fragmentSeconds
                && existing.start.isPaced == start.isPaced
            return .ignored(sameStream ? .duplicateStart(id) : .conflictingStart(id))
        }
        guard start.source.sha256.count == 32 else {
            return .ignored(.invalidStart(id, reason: "source SHA-256 has \(start.source.sha256.count) bytes, not 32"))
        }
        let header: StreamHeader
        do throws(WireFormatError) {
            header = try start.header()
        } catch {
            return .ignored(.invalidStart(id, reason: "stream header: \(error.description)"))
        }
        if let reason = CatalogueLimits.violation(start: start, header: header) {
            return .ignored(.invalidStart(id, reason: reason))
        }
        streamsByID[id] = CatalogueStream(start: start, header: header, startLogIndex: logIndex)
        streamOrder.append(id)
        enqueue(start)
        return .streamStarted(id)
    }

    private mutating func applyFragment(
        stream id: StreamID, index: Int, record: ArraySlice<UInt8>, at logIndex: UInt64, decoded: inout Fragment?
    ) -> CatalogueEvent {
        if removedStreams.contains(id) { return .ignored(.removedStream(id)) }
        guard var stream = streamsByID[id] else { return .ignored(.unknownStream(id)) }
        let committed = stream.fragments.count
        if index < committed {
            let existing = stream.fragments[index]
            let hash = CatalogueHash.fnv1a64(record)
            if hash == existing.hash && record.count == existing.byteCount {
                return .ignored(.duplicateFragment(stream: id, index: index))
            }
            return .ignored(
                .conflictingFragment(stream: id, index: index, committedHash: existing.hash, proposedHash: hash))
        }
        if stream.hasEnded { return .ignored(.streamEnded(id)) }
        if stream.hasFailed { return .ignored(.streamFailed(id)) }
        guard index == committed else {
            return .ignored(.fragmentOutOfOrder(stream: id, index: index, expected: committed))
        }
        let fragment: Fragment
        do throws(WireFormatError) {
            fragment = try Fragment(decoding: record)
        } catch {
            return .ignored(.invalidFragment(stream: id, index: index, reason: error.description))
        }
        let reference = stream.header.referenceTrack
        guard fragment.index == index else {
            return .ignored(.invalidFragment(stream: id, index: index, reason: "record holds fragment \(fragment.index)"))
        }
        guard fragment.referenceTrack == reference.kind, fragment.timeBase == reference.timeBase else {
            return .ignored(
                .invalidFragment(
                    stream: id, index: index,
                    reason: "reference track \(fragment.referenceTrack) \(fragment.timeBase) differs from the header's "
                        + "\(reference.kind) \(reference.timeBase)"))
        }
        if let reason = CatalogueLimits.violation(of: fragment, header: stream.header, previous: stream.fragments.last) {
            let reason = "fragment \(index): \(reason)"
            stream.state = .failed(reason: reason)
            streamsByID[id] = stream
            return .streamFailed(stream: id, index: index, reason: reason)
        }
        stream.fragments.append(
            CatalogueFragment(
                index: index, timeBase: fragment.timeBase, startPTS: fragment.startPTS,
                durationPTS: fragment.durationPTS, byteCount: record.count,
                startsWithKeyframe: fragment.startsWithKeyframe, packetCount: fragment.packets.count,
                logIndex: logIndex, hash: CatalogueHash.fnv1a64(record),
                audioEndSample: Programme.audioEndSample(of: fragment, header: stream.header)))
        streamsByID[id] = stream
        decoded = fragment
        return .fragmentCommitted(stream: id, index: index, logIndex: logIndex)
    }

    private mutating func applyEnd(stream id: StreamID, fragmentCount: Int, durationSeconds: Double)
        -> CatalogueEvent
    {
        if removedStreams.contains(id) { return .ignored(.removedStream(id)) }
        guard var stream = streamsByID[id] else { return .ignored(.unknownStream(id)) }
        if case .ended(let count, _) = stream.state {
            return .ignored(count == fragmentCount ? .duplicateEnd(id) : .streamEnded(id))
        }
        if stream.hasFailed { return .ignored(.streamFailed(id)) }
        guard fragmentCount == stream.fragments.count else {
            return .ignored(.endCountMismatch(stream: id, claimed: fragmentCount, committed: stream.fragments.count))
        }
        stream.state = .ended(fragmentCount: fragmentCount, durationSeconds: durationSeconds)
        streamsByID[id] = stream
        return .streamEnded(stream: id, fragmentCount: fragmentCount)
    }

    private mutating func applyRemoval(_ id: StreamID) -> CatalogueEvent {
        if removedStreams.contains(id) { return .ignored(.removedStream(id)) }
        guard streamsByID.removeValue(forKey: id) != nil else { return .ignored(.unknownStream(id)) }
        streamOrder.removeAll { $0 == id }
        removedStreams.insert(id)
        dropFromProgramme(id)
        return .streamRemoved(id)
    }
}
