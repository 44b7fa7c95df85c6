import Media

/// The rules that turn what Raft committed into a ``PlaybackEngine``'s inputs: the catalogue a node finds
/// when it starts (``replay(_:clusterNow:)``) and every ``NodeEvent`` after it (``apply(_:)``). Owned by
/// the playback thread, like the engine; the node only wires it (`PlaybackService`).
///
/// - What plays is the programme (``Catalogue/programmeSchedule()``): an item is handed to the engine once
///   its start is known, on a timeline that starts there, at the engine's output rate (48 kHz) whatever
///   the source's own rate (the decoder resamples). Its committed fragments are read back from the log
///   then; later ones come as they commit.
/// - When the schedule moves an item that has not begun playing (a skip, a move), it is handed over again
///   on its new timeline; an item's `playUntil` (a cut, or the next item at its declared end) is passed on;
///   an item that leaves the programme stops at once.
/// - On replay, items whose playout is over at cluster now (more than a second past their end) are
///   skipped, and so are fragments that ended more than ``replayMargin`` before cluster now; without
///   cluster time every item and fragment is handed over (the engine drops what is late).
/// - A committed fragment is handed over as the catalogue decoded it (``CatalogueChange/fragment``): no
///   second decode. Only handing over an item reads records back from the log.
/// - A stream the catalogue failed is handed over as ended at its last good fragment: what was committed
///   before the bad fragment plays, then the next item. A removed stream stops at once.
/// - What cannot be handed over (a stream the engine refuses, a record the log no longer has) is reported
///   to ``onProblem`` and skipped; the other items go on.
public final class PlaybackFeed {
    /// Fragments that ended this long before cluster now (seconds) are not handed over (the engine would
    /// only drop them); the one before the join point is kept for the decoder's pre-roll.
    public static let replayMargin = 5.0

    /// Where the streams go (the node's ``PlaybackEngine``).
    public let input: any PlaybackInput
    /// Where fragment records are read back from the log.
    public let events: any NodeEventSource
    /// Told of everything the feed could not hand over (the node logs it).
    public let onProblem: (PlaybackFeedProblem) -> Void

    /// What the engine was given for each item: its start and its stop.
    private struct Handed: Equatable {
        var start: ClusterTime
        var playUntil: ClusterTime?
    }

    private var handed: [StreamID: Handed] = [:]

    /// A feed into `input`, reading records from `events`.
    public init(input: any PlaybackInput, events: any NodeEventSource, onProblem: @escaping (PlaybackFeedProblem) -> Void) {
        self.input = input
        self.events = events
        self.onProblem = onProblem
    }

    /// Hands over every item of `catalogue`'s programme whose playout is not over at `clusterNow` (every
    /// item when cluster time is not known yet).
    public func replay(_ catalogue: Catalogue, clusterNow: ClusterTime?) {
        follow(catalogue.programmeSchedule(), clusterNow: clusterNow)
    }

    /// Applies one event.
    public func apply(_ event: NodeEvent) {
        guard case .catalogue(let change) = event else { return }
        if let schedule = change.schedule { follow(schedule, clusterNow: input.clusterNow) }
        switch change.event {
        case .fragmentCommitted(let stream, let index, _):
            guard handed[stream] != nil else { return }
            guard let fragment = change.fragment else {
                onProblem(.fragmentMissing(stream: stream, index: index, logIndex: change.logIndex))
                return
            }
            input.fragmentCommitted(streamID: stream, index: index, fragment: fragment)
        case .streamEnded(let stream, let count):
            if handed[stream] != nil { input.streamEnded(streamID: stream, fragmentCount: count) }
        case let .streamFailed(stream, index, _):
            // It plays up to its last good fragment (the catalogue holds `index` of them), then stops.
            if handed[stream] != nil { input.streamEnded(streamID: stream, fragmentCount: index) }
        case .streamRemoved(let stream):
            if handed.removeValue(forKey: stream) != nil { input.streamRemoved(streamID: stream) }
        case .streamStarted, .queueChanged, .ignored:
            break
        }
    }

    /// Makes the engine's streams follow `schedule`.
    private func follow(_ schedule: [ScheduledItem], clusterNow: ClusterTime?) {
        let scheduled = Set(schedule.map(\.id))
        for id in handed.keys.sorted() where !scheduled.contains(id) {
            handed[id] = nil
            input.streamRemoved(streamID: id)
        }
        for item in schedule {
            guard let start = item.start else { continue }
            let wanted = Handed(start: start, playUntil: item.playUntil)
            if let current = handed[item.id] {
                if current == wanted { continue }
                if current.start == start || input.hasStartedPlaying(streamID: item.id) {
                    // Only the stop changed (a started item's start cannot move any more).
                    handed[item.id]?.playUntil = item.playUntil
                    input.streamPlayUntil(streamID: item.id, time: item.playUntil)
                    continue
                }
                input.streamRemoved(streamID: item.id)
                handed[item.id] = nil
            }
            if let clusterNow, let end = item.end, end + .seconds(1) < clusterNow { continue }
            hand(item, start: start, clusterNow: clusterNow)
        }
    }

    /// Registers `item` with the input on a timeline from `start`, with its committed fragments read from
    /// the log.
    private func hand(_ item: ScheduledItem, start: ClusterTime, clusterNow: ClusterTime?) {
        let stream = item.stream
        let timeline = StreamTimeline(start: start, sampleRate: input.outputSampleRate)
        do throws(PlaybackError) {
            try input.streamStarted(header: stream.header, timeline: timeline, streamID: stream.id)
        } catch {
            onProblem(.unplayableStream(stream: stream.id, reason: error.description))
            return
        }
        handed[stream.id] = Handed(start: start, playUntil: item.playUntil)
        if let until = item.playUntil { input.streamPlayUntil(streamID: stream.id, time: until) }
        let elapsed = clusterNow.map { Double(($0 - start).wholeNanoseconds) / 1e9 }
        let origin = stream.fragments.first?.startSeconds ?? 0
        for fragment in stream.fragments {
            if let elapsed, fragment.startSeconds - origin + fragment.durationSeconds < elapsed - Self.replayMargin {
                continue
            }
            let record: [UInt8]
            do {
                record = try events.fragmentRecord(atLogIndex: fragment.logIndex)
            } catch {
                onProblem(.unreadableFragment(stream: stream.id, index: fragment.index, reason: "\(error)"))
                continue
            }
            do throws(WireFormatError) {
                input.fragmentCommitted(streamID: stream.id, index: fragment.index, fragment: try Fragment(decoding: record[...]))
            } catch {
                onProblem(.undecodableFragment(stream: stream.id, index: fragment.index, reason: error.description))
            }
        }
        switch stream.state {
        case .ended(let count, _): input.streamEnded(streamID: stream.id, fragmentCount: count)
        case .failed: input.streamEnded(streamID: stream.id, fragmentCount: stream.fragments.count)
        case .live: break
        }
    }
}
