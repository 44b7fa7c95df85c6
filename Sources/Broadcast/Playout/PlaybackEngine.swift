import Audio
import Media

/// Plays the committed fragments of the cluster's streams on this node's audio device, so that
/// sample `s` of a stream is heard at its cluster time (docs/playback-sync.md, "Playback engine").
///
/// One engine per node with an audio device, driven by one thread: the node calls the input methods
/// as Raft applies committed entries, and ``pump()`` (or ``run(until:)``) in between. All time comes
/// from the injected ``MonotonicClock`` and ``clusterClock``; nothing here sleeps except
/// ``run(until:)``.
///
/// ```
///  streamStarted ─┐
///  fragmentCommitted ─▶ PlaybackStream ─decode just in time─▶ PCM ─┐
///  streamEnded ───┘     (one decoder + resampler per stream)       ▼
///                 PlayoutScheduler ◀── observation (cluster now, device queue, decoded range)
///                        │ wait / silence / play (single-frame drift corrections) / skip / finished
///                        ▼
///                    AudioSink ──▶ FragmentPlayTracker ──▶ PlayLog (<data_dir>/play-log.jsonl)
/// ```
/// - Only what ``fragmentCommitted(streamID:index:fragment:)`` delivers is ever played; a fragment
///   missing when it is due is replaced by silence one frame for one (a stall), and playback goes
///   on at the sample due when the next one is decoded.
/// - A node that starts (or restarts) mid-stream starts at the sample due when its first frame is
///   heard; the decoder is pre-rolled with the fragment before (or, if it has none, the fragment's
///   own first packets, whose output is dropped).
/// - The device's queue is `snd_pcm_delay` for a sink that plays in real time; for one that does
///   not (ALSA `null`/`file`, a WAV file, memory) a ``VirtualPlayhead`` on the monotonic clock.
/// - One stream plays at a time: the registered stream with the earliest start. The node registers the
///   programme's items (``PlaybackFeed``); an item that starts where the one before ends continues its
///   playhead (bit-exact, no re-placement), and ``streamPlayUntil(streamID:time:)`` cuts an item.
/// - A stream the engine cannot play (a fragment's times beyond the timeline) is dropped here, on this
///   node only, with ``streamFailureObserver`` told why; the other streams play on. A stream the catalogue
///   failed is passed as ended at its last good fragment (``streamEnded(streamID:fragmentCount:)``).
///
/// ```swift
/// let engine = try PlaybackEngine(sink: sink, clock: SystemMonotonicClock(), clusterClock: clock,
///                                 playLogDirectory: dataDirectory, configuration: .init(node: "n1"))
/// try engine.streamStarted(header: header, timeline: timeline, streamID: 1)
/// engine.fragmentCommitted(streamID: 1, index: 0, fragment: fragment)
/// try engine.run(until: clock.now + .milliseconds(100))
/// let status = engine.status        // GET /v1/playback
/// ```
public final class PlaybackEngine {
    /// Where the audio goes.
    public let sink: any AudioSink
    /// Local monotonic time.
    public let clock: any MonotonicClock
    /// This node's map from local to cluster time; the node replaces it as clock sync updates it.
    public var clusterClock: ClusterClock
    /// Settings.
    public let configuration: Configuration
    /// Called with every action performed, before it is performed (for metrics and tests).
    public var actionObserver: ((PlayoutAction) -> Void)?
    /// The play log, if one is kept.
    public let playLog: PlayLog?
    /// Called with a stream's id and the reason when the engine drops a stream it cannot play.
    public var streamFailureObserver: ((_ streamID: StreamID, _ reason: String) -> Void)?
    /// Called when play-log appends start failing (with the reason) and when they work again (nil);
    /// playback goes on either way.
    public var playLogObserver: ((_ failure: String?) -> Void)?
    /// Why the last play-log append failed, while appends fail; nil when the log is written.
    public private(set) var playLogFailure: String?
    /// Streams dropped because they could not be played, with the reason; they are not taken again.
    public private(set) var failedStreams: [StreamID: String] = [:]

    private var streams: [StreamID: PlaybackStream] = [:]
    private var streamsWritten: Set<StreamID> = []
    private var playhead: VirtualPlayhead
    private let format: PCMFormat
    private var zeros: [Int16] = []
    private var underruns = 0
    private var finishedResyncs = 0
    private var finishedCorrections = 0
    private var finishedStalled: Int64 = 0
    private var lastError: Duration?
    /// Programme items that started as the continuation of the one before.
    public private(set) var handOffs = 0

    /// What the engine did so far.
    public var counters: Counters {
        var counters = totals
        for stream in streams.values {
            counters.fragmentsDecoded += stream.fragmentsDecoded
            counters.fragmentsSkipped += stream.fragmentsSkipped
            counters.decoderResets += stream.decoderResets
            counters.decoderWarnings += stream.decoderWarnings
        }
        return counters
    }

    private var totals = Counters()

    /// An engine playing on `sink`; with `playLogDirectory`, the play log is appended to
    /// `<playLogDirectory>/play-log.jsonl`.
    public init(
        sink: any AudioSink, clock: any MonotonicClock, clusterClock: ClusterClock, playLogDirectory: String?,
        configuration: Configuration
    ) throws(PlaybackError) {
        self.sink = sink
        self.clock = clock
        self.clusterClock = clusterClock
        self.configuration = configuration
        format = PCMFormat(sampleRate: sink.format.sampleRate, channels: sink.format.channels)
        playhead = VirtualPlayhead(sampleRate: sink.format.sampleRate)
        if let playLogDirectory {
            do {
                playLog = try PlayLog(dataDirectory: playLogDirectory)
            } catch let error as PlayLogError {
                throw .playLog(error)
            } catch {
                throw .playLog(.cannotOpen(path: playLogDirectory, reason: "\(error)"))
            }
        } else {
            playLog = nil
        }
    }

    // MARK: - Input (what Raft committed)

    /// A stream was started in the replicated state: its header and its place on the timeline.
    /// A stream id already known is left as it is.
    public func streamStarted(header: StreamHeader, timeline: StreamTimeline, streamID: StreamID) throws(PlaybackError) {
        guard streams[streamID] == nil, failedStreams[streamID] == nil else { return }
        guard timeline.sampleRate == format.sampleRate else {
            throw .sampleRateMismatch(
                stream: streamID, timeline: timeline.sampleRate, device: sink.name, deviceRate: format.sampleRate)
        }
        do {
            streams[streamID] = try PlaybackStream(
                id: streamID, header: header, timeline: timeline, format: format, playout: configuration.playout,
                node: configuration.node)
        } catch {
            throw .cannotDecode(stream: streamID, error)
        }
    }

    /// Fragment `index` of a stream is committed. Only committed fragments may be passed here;
    /// they may come early, just in time, late (then they are dropped or played from the sample
    /// due), or not at all (a stall). Fragments of unknown streams are ignored.
    public func fragmentCommitted(streamID: StreamID, index: Int, fragment: Fragment) {
        guard let stream = streams[streamID] else { return }
        stream.add(index: index, fragment: fragment)
        totals.peakHeldFragments = max(totals.peakHeldFragments, stream.heldFragmentCount)
        dropIfFailed(stream)
    }

    /// The stream has `fragmentCount` fragments in all: after the last one, playback ends.
    public func streamEnded(streamID: StreamID, fragmentCount: Int) {
        streams[streamID]?.ended(fragmentCount: fragmentCount)
    }

    /// The programme stops the stream at cluster time `time` whatever its decoder has left (a cut, or the
    /// next item starting at its declared end); nil lifts the limit.
    public func streamPlayUntil(streamID: StreamID, time: ClusterTime?) {
        guard let stream = streams[streamID] else { return }
        stream.playUntil = time.map { max(0, stream.timeline.nearestSample(at: $0)) }
    }

    /// Whether the stream has begun playing here (its timeline can no longer move).
    public func hasStartedPlaying(streamID: StreamID) -> Bool {
        streams[streamID]?.scheduler.nextSample != nil
    }

    /// Cluster time now, as this node's clock estimates it (nil before clock sync).
    public var clusterNow: ClusterTime? { clusterClock.clusterTime(at: clock.now) }

    /// The stream was removed from the replicated state: it stops at once.
    public func streamRemoved(streamID: StreamID) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        retire(stream)
    }

    // MARK: - Driving

    /// Does everything due now: decodes what the playhead needs soon, then performs the scheduler's
    /// actions until it says to wait. Returns the local time at which to pump again, or nil when
    /// there is nothing to play (pump again after the next input).
    @discardableResult
    public func pump() throws(PlaybackError) -> Duration? {
        // Bounded: each action writes at most one chunk, and the queue target stops the loop.
        for _ in 0..<10_000 {
            guard let stream = activeStream else { return nil }
            let local = clock.now
            let (observedAt, queued) = observeQueue(at: local)
            guard let now = clusterClock.clusterTime(at: observedAt) else {
                return local + configuration.unsynchronizedRetry
            }
            let heard = now + stream.timeline.duration(ofSamples: Int64(queued))
            let next = stream.scheduler.nextSample
            let need = next ?? max(0, stream.timeline.nearestSample(at: heard))
            let decodedBefore = stream.fragmentsDecoded
            stream.decode(
                need: need, horizon: Int64(stream.timeline.samples(in: configuration.decodeAhead).rounded(.up)),
                playing: next != nil)
            if dropIfFailed(stream) { continue }
            // A playhead not placed yet is placed on a fresh reading: decoding (a join's pre-roll and its
            // fragments) takes milliseconds, and a join computed on the time before it starts that late.
            if next == nil, stream.fragmentsDecoded != decodedBefore { continue }
            noteBuffers()
            if queued == 0, streamsWritten.contains(stream.id) { underruns += 1 }
            let action = stream.scheduler.next(
                PlayoutObservation(
                    now: now, queuedFrames: queued, available: stream.buffer.available(from: need),
                    streamEnd: stream.end, clockErrorBound: clusterClock.errorBound(at: local) ?? .zero))
            if let error = stream.scheduler.lastError { lastError = error }
            actionObserver?(action)
            switch action {
            case .wait(let until):
                return clusterClock.localTime(at: until) ?? local + configuration.unsynchronizedRetry
            case .silence(let frames, _):
                try writeSilence(frames: frames, at: local)
                streamsWritten.insert(stream.id)
            case .play(let chunk):
                var pcm = stream.take(chunk.samples)
                if pcm.count != chunk.sampleCount * format.channels {
                    // Cannot happen: the scheduler plays only what `available` reported.
                    pcm = [Int16](repeating: 0, count: chunk.sampleCount * format.channels)
                }
                try write(chunk.render(pcm, channels: format.channels), at: local)
                streamsWritten.insert(stream.id)
                log(chunk, stream: stream, at: local)
            case .skip(_, let to, _):
                stream.skip(to: to)
            case .finished:
                streams[stream.id] = nil
                retire(stream)
                handOff(from: stream, heard: heard)
            }
        }
        return clock.now
    }

    /// Pumps and sleeps on the monotonic clock until `deadline`.
    public func run(until deadline: Duration) throws(PlaybackError) {
        // Bounded: every round either reaches the deadline or sleeps to a later wake-up; a round
        // that cannot sleep (a wake-up already past) still writes or decodes something.
        for _ in 0..<10_000_000 {
            guard clock.now < deadline else { return }
            let wake = try pump() ?? deadline
            clock.sleep(until: min(wake, deadline))
        }
    }

    // MARK: - Status

    /// What this node plays now, for `GET /v1/playback`.
    public var status: PlaybackStatus {
        let local = clock.now
        let rate = Double(format.sampleRate)
        let stream = activeStream
        let next = stream?.scheduler.nextSample
        let stats = stream?.scheduler.stats ?? PlayoutStats()
        let state: PlaybackStatus.State
        if stream != nil {
            if !clusterClock.isSynchronized {
                state = .unsynchronized
            } else if stats.playedSamples == 0 && stats.stalledSamples == 0 {
                state = .waiting
            } else {
                state = .playing
            }
        } else {
            state = .idle
        }
        return PlaybackStatus(
            state: state, stream: stream?.id, fragment: next.flatMap { stream?.fragment(containing: $0)?.index },
            positionSeconds: next.map { Double($0) / rate },
            bufferedMilliseconds: Double(stream?.buffer.frameCount ?? 0) / rate * 1e3,
            queuedMilliseconds: Double(queuedFrames(at: local)) / rate * 1e3,
            committedUndecodedFragments: stream?.heldFragmentCount ?? 0,
            clockOffsetNanoseconds: clusterClock.clusterTime(at: local).map { $0.nanoseconds - local.wholeNanoseconds },
            clockErrorBoundNanoseconds: clusterClock.errorBound(at: local)?.wholeNanoseconds,
            syncErrorNanoseconds: lastError?.wholeNanoseconds, underruns: underruns,
            hardResyncs: finishedResyncs + stats.hardResyncs,
            driftCorrectionFrames: finishedCorrections + stats.insertedFrames + stats.droppedFrames,
            stalledSamples: finishedStalled + stats.stalledSamples)
    }

    /// The playout statistics of a stream being played or waited for; nil for other streams.
    public func playoutStats(streamID: StreamID) -> PlayoutStats? {
        streams[streamID]?.scheduler.stats
    }

    // MARK: - Internals

    /// The stream to play: the registered one with the earliest start (the programme's current item).
    private var activeStream: PlaybackStream? {
        streams.values.min { ($0.timeline.start, $0.id) < ($1.timeline.start, $1.id) }
    }

    /// The device's queue and the local instant it describes. A sound card's delay is read now. The
    /// virtual playhead's queue is given at the last frame boundary before now (whole frames queued,
    /// the playhead exactly between two frames), as a card's pointer reports it: rounding the queue
    /// up at an arbitrary instant would read as up to one frame of lateness.
    private func observeQueue(at local: Duration) -> (at: Duration, queuedFrames: Int) {
        guard !sink.pacesInRealTime else { return (local, max(sink.delayFrames, 0)) }
        let queued = playhead.queuedFrames(at: local)
        guard queued > 0, let drainedAt = playhead.drainedAt else { return (local, 0) }
        let boundary = drainedAt - .nanoseconds(StreamTimeline.nanoseconds(ofSamples: Int64(queued), rate: Int64(format.sampleRate)))
        return (min(boundary, local), queued)
    }

    /// Frames written and not yet heard.
    private func queuedFrames(at local: Duration) -> Int {
        sink.pacesInRealTime ? max(sink.delayFrames, 0) : playhead.queuedFrames(at: local)
    }

    /// Drops `stream` if it cannot be played (its ``PlaybackStream/failure``); true when it was dropped.
    @discardableResult
    private func dropIfFailed(_ stream: PlaybackStream) -> Bool {
        guard let reason = stream.failure else { return false }
        streams[stream.id] = nil
        retire(stream)
        failedStreams[stream.id] = reason
        totals.streamsFailed += 1
        streamFailureObserver?(stream.id, reason)
        return true
    }

    /// The next item of a programme starts where `finished` ended, as one playhead, when its timeline begins
    /// exactly at `finished`'s last written sample and that sample was written on time: the next frame
    /// written (`heard`) is due within the hard-resync threshold of the next item's start
    /// (``PlayoutScheduler/continuePlayhead(from:)``). An item that finished without playing to its end
    /// (a node that joined after it was over) hands nothing on: the next one is placed by the clock.
    private func handOff(from finished: PlaybackStream, heard: ClusterTime) {
        guard let end = finished.end, let next = activeStream, next.scheduler.nextSample == nil,
            next.timeline.sampleRate == finished.timeline.sampleRate,
            next.timeline.start == finished.timeline.clusterTime(ofSample: end),
            finished.scheduler.stats.playedSamples > 0,
            (heard - next.timeline.start).wholeNanoseconds.magnitude
                <= configuration.playout.hardResyncThreshold.wholeNanoseconds.magnitude
        else { return }
        next.scheduler.continuePlayhead(from: finished.scheduler)
        handOffs += 1
    }

    /// Keeps a stream's totals once it stops.
    private func retire(_ stream: PlaybackStream) {
        let stats = stream.scheduler.stats
        finishedResyncs += stats.hardResyncs
        finishedCorrections += stats.insertedFrames + stats.droppedFrames
        finishedStalled += stats.stalledSamples
        totals.fragmentsDecoded += stream.fragmentsDecoded
        totals.fragmentsSkipped += stream.fragmentsSkipped
        totals.decoderResets += stream.decoderResets
        totals.decoderWarnings += stream.decoderWarnings
        streamsWritten.remove(stream.id)
    }

    private func noteBuffers() {
        var frames: Int64 = 0
        var stored = 0
        for stream in streams.values {
            frames += stream.buffer.frameCount
            stored += stream.buffer.storedSamples
        }
        totals.peakBufferedFrames = max(totals.peakBufferedFrames, frames)
        totals.peakStoredSamples = max(totals.peakStoredSamples, stored)
    }

    private func writeSilence(frames: Int, at local: Duration) throws(PlaybackError) {
        let count = frames * format.channels
        if zeros.count < count { zeros = [Int16](repeating: 0, count: count) }
        do {
            try zeros.withUnsafeBufferPointer { try sink.write(UnsafeBufferPointer(rebasing: $0[..<count])) }
        } catch {
            throw .device(error as? AudioError ?? .closed(device: sink.name))
        }
        wrote(frames: frames, at: local)
    }

    private func write(_ samples: [Int16], at local: Duration) throws(PlaybackError) {
        do {
            try sink.write(samples)
        } catch {
            throw .device(error as? AudioError ?? .closed(device: sink.name))
        }
        wrote(frames: samples.count / format.channels, at: local)
    }

    private func wrote(frames: Int, at local: Duration) {
        if !sink.pacesInRealTime { playhead.wrote(frames: frames, at: local) }
        totals.framesWritten += Int64(frames)
    }

    private func log(_ chunk: PlayoutChunk, stream: PlaybackStream, at local: Duration) {
        let records = stream.tracker.records(
            for: chunk, fragments: stream.spans, clockErrorBound: clusterClock.errorBound(at: local) ?? .zero)
        guard let playLog else { return }
        for record in records {
            do {
                try playLog.append(record)
                totals.playLogRecords += 1
                if playLogFailure != nil {
                    playLogFailure = nil
                    playLogObserver?(nil)
                }
            } catch {
                // The log is for measurement: losing records must not silence the room.
                totals.playLogRecordsLost += 1
                let reason = (error as? PlayLogError).map { "\($0)" } ?? "\(error)"
                if playLogFailure == nil {
                    playLogFailure = reason
                    playLogObserver?(reason)
                }
            }
        }
    }
}
