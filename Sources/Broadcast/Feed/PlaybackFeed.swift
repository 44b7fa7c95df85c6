import Media

/// The rules that turn what Raft committed into a ``PlaybackEngine``'s inputs: the catalogue a node finds
/// when it starts (``replay(_:clusterNow:)``) and every ``NodeEvent`` after it (``apply(_:)``). Owned by
/// the playback thread, like the engine; the node only wires it (`PlaybackService`).
///
/// - A stream plays on the engine's output rate (48 kHz): its timeline starts at the stream's
///   `startClusterTime` whatever the source's own rate (the decoder resamples).
/// - On replay, a stream whose playout is over at cluster now (ended or failed, more than a second past
///   its end) is skipped, and so are fragments that ended more than ``replayMargin`` before cluster now;
///   without cluster time every stream and fragment is handed over (the engine drops what is late).
/// - A committed fragment is handed over as the catalogue decoded it (``CatalogueChange/fragment``): no
///   second decode. Only replay decodes, the records it reads back from the log.
/// - A stream the catalogue failed is handed over as ended at its last good fragment: what was committed
///   before the bad fragment plays, then the next stream. A removed stream stops at once.
/// - What cannot be handed over (a stream the engine refuses, a record the log no longer has) is reported
///   to ``onProblem`` and skipped; the other streams go on.
public struct PlaybackFeed {
    /// Fragments that ended this long before cluster now (seconds) are not handed over on replay (the
    /// engine would only drop them); the one before the join point is kept for the decoder's pre-roll.
    public static let replayMargin = 5.0

    /// Where the streams go (the node's ``PlaybackEngine``).
    public let input: any PlaybackInput
    /// Where replay reads committed fragment records back from the log.
    public let events: any NodeEventSource
    /// Told of everything the feed could not hand over (the node logs it).
    public let onProblem: (PlaybackFeedProblem) -> Void

    /// A feed into `input`, reading records from `events`.
    public init(input: any PlaybackInput, events: any NodeEventSource, onProblem: @escaping (PlaybackFeedProblem) -> Void) {
        self.input = input
        self.events = events
        self.onProblem = onProblem
    }

    /// Starts every stream of `catalogue` whose playout is not over at `clusterNow` (every stream
    /// when cluster time is not known yet), with its committed fragments read from the log.
    public func replay(_ catalogue: Catalogue, clusterNow: ClusterTime?) {
        for stream in catalogue.streams {
            let elapsed = clusterNow.map { Double(($0 - stream.start.startClusterTime).wholeNanoseconds) / 1e9 }
            switch stream.state {
            case .ended(_, let duration):
                if let elapsed, elapsed > duration + 1 { continue }
            case .failed:
                if let elapsed, elapsed > stream.committedDurationSeconds + 1 { continue }
            case .live:
                break
            }
            guard start(stream) else { continue }
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

    /// Applies one event.
    public func apply(_ event: NodeEvent) {
        guard case .catalogue(let change) = event else { return }
        switch change.event {
        case .streamStarted:
            if let stream = change.stream { start(stream) }
        case .fragmentCommitted(let stream, let index, _):
            guard let fragment = change.fragment else {
                onProblem(.fragmentMissing(stream: stream, index: index, logIndex: change.logIndex))
                return
            }
            input.fragmentCommitted(streamID: stream, index: index, fragment: fragment)
        case .streamEnded(let stream, let count):
            input.streamEnded(streamID: stream, fragmentCount: count)
        case .streamRemoved(let stream):
            input.streamRemoved(streamID: stream)
        case let .streamFailed(stream, index, _):
            // It plays up to its last good fragment (the catalogue holds `index` of them), then stops.
            input.streamEnded(streamID: stream, fragmentCount: index)
        case .ignored:
            break
        }
    }

    /// Registers `stream` with the input; false (reported) when it cannot be played here.
    @discardableResult
    private func start(_ stream: CatalogueStream) -> Bool {
        let timeline = StreamTimeline(start: stream.start.startClusterTime, sampleRate: input.outputSampleRate)
        do throws(PlaybackError) {
            try input.streamStarted(header: stream.header, timeline: timeline, streamID: stream.id)
            return true
        } catch {
            onProblem(.unplayableStream(stream: stream.id, reason: error.description))
            return false
        }
    }
}
