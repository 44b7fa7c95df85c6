/// Writes PCM to a sink so that frame N is heard at `start + N / rate`, whatever the sink.
///
/// - A sink that paces itself (a sound card, ``AudioSink/pacesInRealTime``) is kept filled to about
///   ``Configuration/lead`` of queued audio, using the delay it reports: before each chunk the player
///   sleeps until the queue has drained to `lead`. When the queue is empty (before the start, after an
///   underrun) it waits until the chunk's frame is due instead.
/// - A sink that takes audio instantly (ALSA `null`/`file`, a WAV file) gets each chunk at its due
///   time minus ``Configuration/lead``, so a 10 s file takes 10 s to play on any device.
///
/// All waiting goes through the injected ``MonotonicClock``; tests use a ``ManualClock``.
/// ```swift
/// let player = PacedPlayer(sink: sink, clock: SystemMonotonicClock())
/// player.schedule(startAt: clock.now + .milliseconds(200))   // optional; default: start now
/// for pcm in decodedChunks { try player.write(pcm) }         // [Int16], interleaved, whole frames
/// try player.finish()                                        // returns once the last frame is heard
/// let where = player.position()                              // frames written / heard, for progress
/// ```
/// For synchronized playback (issue 7) the start is a time on this clock (the cluster time of the
/// stream's sample 0, mapped to local monotonic time); ``dueTime(ofFrame:)`` and ``position(at:)``
/// expose the schedule and the error against it, and ``DriftCorrector`` turns a measured drift into
/// single frames to insert or drop before writing.
/// Not thread-safe: one thread writes; ``position(at:)`` is meant for that thread's progress display.
public final class PacedPlayer {
    /// How far ahead of the schedule the player writes, and in what units.
    public struct Configuration: Hashable, Sendable {
        /// Audio written ahead of its due time (instant sinks), or kept queued (pacing sinks).
        public var lead: Duration
        /// Largest chunk written at once; 0 means one period of 20 ms.
        public var chunkFrames: Int

        /// Defaults: 50 ms lead, 20 ms chunks.
        public init(lead: Duration = .milliseconds(50), chunkFrames: Int = 0) {
            self.lead = lead
            self.chunkFrames = chunkFrames
        }
    }

    /// Where the audio goes.
    public let sink: any AudioSink
    /// The clock the schedule is on.
    public let clock: any MonotonicClock
    /// Lead and chunk size.
    public let configuration: Configuration
    /// Frames handed to the sink so far.
    public private(set) var framesWritten = 0
    /// When frame 0 is (or was) heard; nil until scheduled or the first write.
    public private(set) var startTime: Duration?

    private let chunkFrames: Int

    /// A player for `sink` on `clock`.
    public init(sink: any AudioSink, clock: any MonotonicClock, configuration: Configuration = .init()) {
        self.sink = sink
        self.clock = clock
        self.configuration = configuration
        let twentyMilliseconds = max(sink.format.sampleRate / 50, 1)
        chunkFrames = configuration.chunkFrames > 0 ? configuration.chunkFrames : twentyMilliseconds
    }

    /// Makes frame 0 due at `time` on the player's clock (frame N at `time + N / rate`).
    /// Without it, the first write starts the schedule at once.
    public func schedule(startAt time: Duration) {
        startTime = time
    }

    /// When frame `frame` is due to be heard, or nil before the schedule is set.
    public func dueTime(ofFrame frame: Int) -> Duration? {
        startTime.map { $0 + sink.format.duration(ofFrames: frame) }
    }

    /// Writes whole frames of interleaved samples, each chunk when it is due (see the type's notes).
    /// Returns once all are handed to the sink.
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        let channels = sink.format.channels
        guard samples.count % channels == 0 else {
            throw AudioError.partialFrame(device: sink.name, samples: samples.count, channels: channels)
        }
        var offset = 0
        while offset < samples.count {
            let count = min(chunkFrames * channels, samples.count - offset)
            waitForChunk()
            try sink.write(UnsafeBufferPointer(rebasing: samples[offset..<offset + count]))
            framesWritten += count / channels
            offset += count
        }
    }

    /// Writes whole frames of interleaved samples from an array.
    public func write(_ samples: [Int16]) throws {
        try samples.withUnsafeBufferPointer { try write($0) }
    }

    /// Returns once everything written has been heard: waits for the last frame's due time on an
    /// instant sink, then drains the sink.
    public func finish() throws {
        if !sink.pacesInRealTime, let end = dueTime(ofFrame: framesWritten) {
            clock.sleep(until: end)
        }
        try sink.drain()
    }

    /// Where playback stands at `time` (default: now).
    public func position(at time: Duration? = nil) -> PlaybackPosition {
        let now = time ?? clock.now
        let delay = sink.pacesInRealTime ? sink.delayFrames : 0
        let framesDue = startTime.map { max(sink.format.frames(in: now - $0), 0) } ?? 0
        let framesHeard = sink.pacesInRealTime ? max(framesWritten - delay, 0) : min(framesDue, framesWritten)
        return PlaybackPosition(
            time: now, framesWritten: framesWritten, framesHeard: framesHeard, framesDue: framesDue, delayFrames: delay)
    }

    /// Sleeps until the next chunk (starting at frame ``framesWritten``) may be written.
    private func waitForChunk() {
        let now = clock.now
        let format = sink.format
        if sink.pacesInRealTime {
            let delay = sink.delayFrames
            if startTime == nil { startTime = now + format.duration(ofFrames: delay) }
            if delay == 0 {
                if let due = dueTime(ofFrame: framesWritten), due > now { clock.sleep(until: due) }
            } else {
                let drainedToLead = now + format.duration(ofFrames: delay) - configuration.lead
                if drainedToLead > now { clock.sleep(until: drainedToLead) }
            }
        } else {
            if startTime == nil { startTime = now + configuration.lead }
            if let due = dueTime(ofFrame: framesWritten) {
                let writeAt = due - configuration.lead
                if writeAt > now { clock.sleep(until: writeAt) }
            }
        }
    }
}
