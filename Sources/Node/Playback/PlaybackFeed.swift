import Broadcast
import Logging
import Media
import RaftcastClient

/// Hands what Raft committed to a ``PlaybackEngine``: the catalogue a node finds when it starts
/// (``replay(_:clusterNow:)``) and every ``NodeEvent`` after it (``apply(_:)``). Owned by the
/// playback thread, like the engine.
///
/// Stream ids are the catalogue's `UInt64` as 16 lowercase hex digits. A stream plays on the
/// engine's output rate (48 kHz): its timeline starts at the stream's `startClusterTime` whatever
/// the source's own rate (the decoder resamples).
///
/// A stream the catalogue failed is handed over as ended at its last good fragment: what was committed
/// before the bad fragment plays, then the next stream. A stream the engine itself cannot play is dropped
/// by the engine, which tells ``logStreamFailure(streamID:reason:)``.
struct PlaybackFeed {
    /// Fragments that ended this long before cluster now are not handed over on replay (the engine
    /// would only drop them); the one before the join point is kept for the decoder's pre-roll.
    static let replayMargin = 5.0

    let engine: PlaybackEngine
    let events: any NodeEventSource
    let logger: Logger

    /// `id` as the engine and the play log name it (as the HTTP API does).
    static func streamID(_ id: CatalogueStreamID) -> String { StreamIDFormat.string(id) }

    /// Starts every stream of `catalogue` whose playout is not over at `clusterNow` (every stream
    /// when cluster time is not known yet), with its committed fragments read from the log.
    func replay(_ catalogue: Catalogue, clusterNow: ClusterTime?) {
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
                do {
                    let record = try events.fragmentRecord(atLogIndex: fragment.logIndex)
                    commit(stream: stream.id, index: fragment.index, record: record[...])
                } catch {
                    logger.warning("playback: cannot read a committed fragment", metadata: [
                        "stream": "\(Self.streamID(stream.id))", "fragment": "\(fragment.index)", "reason": "\(error)",
                    ])
                }
            }
            switch stream.state {
            case .ended(let count, _): engine.streamEnded(streamID: Self.streamID(stream.id), fragmentCount: count)
            case .failed: engine.streamEnded(streamID: Self.streamID(stream.id), fragmentCount: stream.fragments.count)
            case .live: break
            }
        }
    }

    /// Applies one event.
    func apply(_ event: NodeEvent) {
        guard case .catalogue(let change) = event else { return }
        switch change.event {
        case .streamStarted:
            if let stream = change.stream { start(stream) }
        case .fragmentCommitted(let stream, let index, _):
            guard let record = change.fragmentRecord else {
                logger.warning("playback: fragment event without its record", metadata: ["log_index": "\(change.logIndex)"])
                return
            }
            commit(stream: stream, index: index, record: record)
        case .streamEnded(let stream, let count):
            engine.streamEnded(streamID: Self.streamID(stream), fragmentCount: count)
        case .streamRemoved(let stream):
            engine.streamRemoved(streamID: Self.streamID(stream))
        case let .streamFailed(stream, index, _):
            // It plays up to its last good fragment (the catalogue holds `index` of them), then stops.
            engine.streamEnded(streamID: Self.streamID(stream), fragmentCount: index)
        case .ignored:
            break
        }
    }

    /// Registers `stream` with the engine; false (logged) when it cannot be played here.
    @discardableResult
    private func start(_ stream: CatalogueStream) -> Bool {
        let timeline = StreamTimeline(start: stream.start.startClusterTime, sampleRate: engine.sink.format.sampleRate)
        do {
            try engine.streamStarted(header: stream.header, timeline: timeline, streamID: Self.streamID(stream.id))
            return true
        } catch {
            logger.error("playback: cannot play stream", metadata: [
                "stream": "\(Self.streamID(stream.id))", "reason": "\(error)",
            ])
            return false
        }
    }

    /// Logs a stream the engine dropped because it cannot play it (``PlaybackEngine/streamFailureObserver``).
    static func logStreamFailure(streamID: String, reason: String, logger: Logger) {
        logger.error("playback: stream dropped on this node, it cannot be played; other streams play on", metadata: [
            "stream": "\(streamID)", "reason": "\(reason)",
        ])
    }

    private func commit(stream: CatalogueStreamID, index: Int, record: ArraySlice<UInt8>) {
        do {
            engine.fragmentCommitted(streamID: Self.streamID(stream), index: index, fragment: try Fragment(decoding: record))
        } catch {
            logger.warning("playback: undecodable fragment record", metadata: [
                "stream": "\(Self.streamID(stream))", "fragment": "\(index)", "reason": "\(error)",
            ])
        }
    }
}
