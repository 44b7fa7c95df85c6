import Audio

/// Decides, one step at a time, what a node writes to its audio device so that sample `s` of a
/// stream is heard at ``StreamTimeline/clusterTime(ofSample:)``. A pure state machine: the player
/// observes (cluster time, the device's queue, what is committed), calls ``next(_:)``, performs the
/// returned ``PlayoutAction``, and repeats.
///
/// ```
///  heard = now + queued / rate        when the next frame written will be heard
///  error = heard − due(next sample)   positive: late
///
///  queue ≥ target ─────────────────▶ wait until it drains to target − refill (default chunk / 2)
///  not started ───────────────────▶ start at the sample due at `heard` (a join: skip to it), or
///                                    wait / fill silence up to the first sample
///  |error| > threshold (confirmed) ▶ hard resync: skip the late samples, or silence while early
///  next sample not available ─────▶ silence stands in for it (stall): the timeline goes on
///  otherwise ─────────────────────▶ play a chunk; insert (early) or drop (late) single frames at
///                                    a rate ∝ the mean recent error, at most 500 ppm
/// ```
/// Soft correction is a proportional controller: 500 ppm per millisecond of error, so a 100 ppm
/// drift between the sound card and the cluster clock settles at 0.2 ms of error, corrected by one
/// frame about every 200 ms (4.8 a second), spread by ``DriftCorrector`` so no two touch. A mean
/// error inside the dead band is left alone: the error the clock cannot tell from its own
/// uncertainty. The playhead was put in place (at the start, a resync or the last soft correction)
/// with the clock's estimate then, so the error measured now is the estimate's error now minus its
/// error then: the dead band is the clock's error bound now plus its bound then, at least
/// ``Configuration/correctionDeadBand`` (0.2 ms, and never less than half a frame) and at most
/// ``Configuration/maximumDeadBand`` (2 ms). The clock's estimate wobbles by tens of microseconds
/// from one exchange to the next on a quiet network, by up to a millisecond on a machine whose CPUs
/// are oversubscribed (its bound then says 1–2 ms: a player that started on an estimate 0.5 ms off
/// must not chase the better estimate that follows), and moves by up to its bound when leadership
/// (and with it the timeline's keeper) changes; no frame is inserted or dropped to fix nothing, so
/// a node whose clock is right plays bit-exact. Real drift (a sound card 50 ppm off) leaves the band
/// within seconds; once corrected, the band is the current bound twice over, and the cap keeps a node
/// whose clock is very uncertain within 2 ms.
public struct PlayoutScheduler: Sendable {
    /// Queue depth, chunk size, thresholds and gain.
    public struct Configuration: Hashable, Sendable {
        /// Audio kept queued in the device.
        public var targetQueue: Duration
        /// Largest chunk written at once.
        public var chunk: Duration
        /// How far the queue drains below ``targetQueue`` before it is topped up again (chunk by chunk, in
        /// one wake-up); nil: half a chunk, so a wake-up writes one chunk. A deep queue (a sink that does
        /// not play in real time) can take a larger refill: fewer wake-ups, the same chunks and corrections.
        public var refill: Duration?
        /// Errors larger than this are fixed at once (skip or silence) rather than slewed.
        public var hardResyncThreshold: Duration
        /// Consecutive observations above the threshold before a hard resync (one glitchy delay
        /// reading does not cause one).
        public var resyncConfirmations: Int
        /// Soft correction rate per millisecond of mean error, in ppm.
        public var correctionPPMPerMillisecond: Double
        /// The largest soft correction rate, in ppm.
        public var maximumCorrectionPPM: Double
        /// Observations averaged for the soft correction.
        public var errorAveraging: Int
        /// A mean error smaller than this is not corrected (half a frame at the least).
        public var correctionDeadBand: Duration
        /// The dead band never grows past this, however uncertain the clock.
        public var maximumDeadBand: Duration
        /// Off (nil) by default. When set: a playhead placed while the clock was uncertain is re-placed once
        /// the clock's bound has fallen to this or below and below its bound at the placement (the estimate
        /// converged): the playhead's error is then the measured one within the current bound, and it is
        /// corrected (single frames, never adjacent) down to ``refinedWithin``. Costs bit-exactness: a
        /// follower placed on an early estimate inserts or drops the frames of its placement error once.
        public var refineBelowBound: Duration?
        /// A re-placement ends once the mean error is within this (and half a frame at the least).
        public var refinedWithin: Duration

        /// Defaults: 50 ms queue, 10 ms chunks, hard resync above 20 ms (2 readings), 500 ppm/ms up to
        /// 500 ppm, mean of 8 readings, a dead band of 0.2 ms (or the clock's error bound now plus its
        /// bound when the playhead was placed, up to 2 ms).
        public init(
            targetQueue: Duration = .milliseconds(50), chunk: Duration = .milliseconds(10),
            hardResyncThreshold: Duration = .milliseconds(20), resyncConfirmations: Int = 2,
            correctionPPMPerMillisecond: Double = 500, maximumCorrectionPPM: Double = 500, errorAveraging: Int = 8,
            correctionDeadBand: Duration = .microseconds(200), maximumDeadBand: Duration = .milliseconds(2),
            refineBelowBound: Duration? = nil, refinedWithin: Duration = .microseconds(30), refill: Duration? = nil
        ) {
            self.refill = refill
            self.refineBelowBound = refineBelowBound
            self.refinedWithin = refinedWithin
            self.correctionDeadBand = correctionDeadBand
            self.maximumDeadBand = max(maximumDeadBand, correctionDeadBand)
            self.targetQueue = targetQueue
            self.chunk = chunk
            self.hardResyncThreshold = hardResyncThreshold
            self.resyncConfirmations = max(resyncConfirmations, 1)
            self.correctionPPMPerMillisecond = correctionPPMPerMillisecond
            self.maximumCorrectionPPM = maximumCorrectionPPM
            self.errorAveraging = max(errorAveraging, 1)
        }
    }

    /// The stream's place on the cluster timeline.
    public let timeline: StreamTimeline
    /// Queue depth, chunk size, thresholds and gain.
    public let configuration: Configuration
    /// The stream sample the next frame written will carry; nil until playback starts.
    public private(set) var nextSample: Int64?
    /// What was done so far.
    public private(set) var stats = PlayoutStats()
    /// The error at the last observation that computed one (positive: late).
    public private(set) var lastError: Duration?

    private let targetFrames: Int
    private let chunkFrames: Int
    /// The queue is topped up once it has drained to this.
    private let refillBelowFrames: Int
    private var corrector = DriftCorrector()
    private var aligning = false
    private var begunPlaying = false
    private var readingsOverThreshold = 0
    private var recentErrors: [Double] = []
    /// The clock's error bound when the playhead was last put in place (the start, a resync, or the
    /// last soft correction): the error measured now is the clock's error now minus its error then.
    private var placedWithBound: Duration = .zero
    /// Re-placing a playhead placed on an estimate that has since converged (see ``Configuration/refineBelowBound``).
    private var refining = false

    /// A scheduler for the stream on `timeline`.
    public init(timeline: StreamTimeline, configuration: Configuration = .init()) {
        self.timeline = timeline
        self.configuration = configuration
        targetFrames = max(Int(timeline.samples(in: configuration.targetQueue)), 1)
        chunkFrames = max(Int(timeline.samples(in: configuration.chunk)), 1)
        let refillFrames = configuration.refill.map { Int(timeline.samples(in: $0)) } ?? chunkFrames / 2
        refillBelowFrames = max(targetFrames - min(max(refillFrames, 0), targetFrames), 0)
    }

    /// The next thing to do, given what the player observes now.
    public mutating func next(_ observation: PlayoutObservation) -> PlayoutAction {
        if let end = observation.streamEnd, let next = nextSample, next >= end { return .finished }
        if observation.queuedFrames >= targetFrames {
            return .wait(
                until: observation.now + timeline.duration(ofSamples: Int64(observation.queuedFrames - refillBelowFrames)))
        }
        let heard = observation.now + timeline.duration(ofSamples: Int64(observation.queuedFrames))
        guard let next = nextSample else { return start(observation, heard: heard) }

        let errorNanoseconds = (heard - timeline.clusterTime(ofSample: next)).wholeNanoseconds
        let errorFrames = Double(errorNanoseconds) * Double(timeline.sampleRate) / 1e9
        lastError = .nanoseconds(errorNanoseconds)
        if errorNanoseconds.magnitude > configuration.hardResyncThreshold.wholeNanoseconds.magnitude {
            readingsOverThreshold += 1
        } else {
            readingsOverThreshold = 0
        }
        if !aligning, readingsOverThreshold >= configuration.resyncConfirmations {
            aligning = true
            if begunPlaying { stats.hardResyncs += 1 }
        }
        if aligning {
            placedWithBound = observation.clockErrorBound
            refining = false
            if let action = align(from: next, errorFrames: errorFrames, errorNanoseconds: errorNanoseconds) {
                return action
            }
        }

        let available = observation.available
        if next < available.lowerBound || next >= available.upperBound {
            var count = Int64(chunkFrames)
            if next < available.lowerBound { count = min(count, available.lowerBound - next) }
            if let end = observation.streamEnd { count = min(count, end - next) }
            nextSample = next + count
            begunPlaying = true
            stats.stalledSamples += count
            stats.silenceFrames += count
            return .silence(frames: Int(count), reason: .stall(missing: next..<next + count))
        }

        recentErrors.append(errorFrames)
        if recentErrors.count > configuration.errorAveraging { recentErrors.removeFirst() }
        let meanFrames = recentErrors.reduce(0, +) / Double(recentErrors.count)
        let bound = observation.clockErrorBound
        if !refining, let refineBelow = configuration.refineBelowBound, bound <= refineBelow, bound < placedWithBound {
            refining = true
            stats.replacements += 1
        }
        let uncertainty = bound + placedWithBound
        var deadBand = min(max(configuration.correctionDeadBand, uncertainty), configuration.maximumDeadBand)
        if refining {
            deadBand = configuration.refinedWithin
            if abs(meanFrames) < max(0.5, timeline.samples(in: deadBand)) {
                refining = false
                placedWithBound = bound
            }
        }
        let deadBandFrames = max(0.5, timeline.samples(in: deadBand))
        let meanMilliseconds = abs(meanFrames) < deadBandFrames ? 0 : meanFrames / Double(timeline.sampleRate) * 1e3
        let limit = configuration.maximumCorrectionPPM
        let latePPM = min(max(meanMilliseconds * configuration.correctionPPMPerMillisecond, -limit), limit)
        var count = min(Int64(chunkFrames), available.upperBound - next)
        if let end = observation.streamEnd { count = min(count, end - next) }
        let plan = corrector.plan(frames: Int(count), errorPPM: -latePPM)
        switch plan.adjustment {
        case .insert: stats.insertedFrames += plan.positions.count
        case .drop: stats.droppedFrames += plan.positions.count
        case nil: break
        }
        if plan.adjustment != nil, !refining { placedWithBound = observation.clockErrorBound }
        nextSample = next + count
        begunPlaying = true
        stats.playedSamples += count
        return .play(
            PlayoutChunk(
                firstSample: next, sampleCount: Int(count), plan: plan, heardAt: heard,
                error: .nanoseconds(errorNanoseconds), sampleRate: timeline.sampleRate))
    }

    /// Starts this stream's playback where `previous` ended, as one playhead: its sample 0 is written right
    /// after the previous stream's last sample, with the previous placement's error bound, average error
    /// and drift corrector, so that a programme of items sounds as one stream (no re-placement, no frame
    /// inserted or dropped at the boundary). Only for a stream whose timeline starts exactly where the
    /// previous one's last written sample ends.
    public mutating func continuePlayhead(from previous: PlayoutScheduler) {
        guard nextSample == nil else { return }
        nextSample = 0
        begunPlaying = true
        aligning = false
        placedWithBound = previous.placedWithBound
        refining = previous.refining
        recentErrors = previous.recentErrors
        corrector = previous.corrector
        readingsOverThreshold = previous.readingsOverThreshold
        lastError = previous.lastError
    }

    /// The first decision: join at the sample due when the next frame is heard, or wait / fill up
    /// to the first sample.
    private mutating func start(_ observation: PlayoutObservation, heard: ClusterTime) -> PlayoutAction {
        let position = timeline.nearestSample(at: heard)
        guard position > 0 else {
            let lead = configuration.targetQueue + configuration.chunk
            if observation.queuedFrames == 0, timeline.start - heard > lead {
                return .wait(until: timeline.start - configuration.targetQueue)
            }
            if !observation.available.contains(0), let action = awaitFirstSample(observation, heard: heard) {
                return action
            }
            nextSample = 0
            aligning = true
            return next(observation)
        }
        if let end = observation.streamEnd, position >= end {
            nextSample = end
            return .finished
        }
        nextSample = position
        stats.joinedAt = position
        placedWithBound = observation.clockErrorBound
        // The join is checked on the next observation like a start: the time its skip and the decoding
        // after it take (tenths of a millisecond on a loaded machine) would otherwise stay as a placement
        // error inside the dead band for the whole stream.
        aligning = true
        return .skip(from: 0, to: position, reason: .join)
    }

    /// Before the start, while the first sample is not decoded: silence is written only up to one chunk
    /// before the start (a deep queue, like the 500 ms of a sink that does not play in real time, would
    /// otherwise commit the device to the start before the first fragment is in, and a fragment that
    /// comes in time would count as a stall); then the scheduler polls once a chunk (any input wakes the
    /// engine too). Nil once the start is a chunk away: the stream begins, and what is missing stalls.
    private mutating func awaitFirstSample(_ observation: PlayoutObservation, heard: ClusterTime) -> PlayoutAction? {
        let fillUntil = timeline.start - configuration.chunk
        guard observation.now < fillUntil else { return nil }
        let frames = heard < fillUntil ? min(chunkFrames, Int(timeline.samples(in: fillUntil - heard))) : 0
        if frames >= 1 {
            stats.silenceFrames += Int64(frames)
            return .silence(frames: frames, reason: .beforeStart)
        }
        return .wait(until: min(fillUntil, observation.now + configuration.chunk))
    }

    /// While aligning (before the start, or in a hard resync): skip when late, silence when early;
    /// nil once on time.
    private mutating func align(from next: Int64, errorFrames: Double, errorNanoseconds: Int64) -> PlayoutAction? {
        let frames = Int(Int64(saturating: abs(errorFrames).rounded()))
        guard frames >= 1 else {
            aligning = false
            readingsOverThreshold = 0
            return nil
        }
        recentErrors.removeAll()
        corrector = DriftCorrector()
        if errorNanoseconds > 0 {
            aligning = false
            readingsOverThreshold = 0
            nextSample = next + Int64(frames)
            guard begunPlaying else {
                // Starting late (the wait ended late): start at the current position, like a join.
                stats.joinedAt = next + Int64(frames)
                return .skip(from: next, to: next + Int64(frames), reason: .join)
            }
            stats.resyncSkippedSamples += Int64(frames)
            return .skip(from: next, to: next + Int64(frames), reason: .resync)
        }
        let count = min(frames, chunkFrames)
        stats.silenceFrames += Int64(count)
        return .silence(frames: count, reason: begunPlaying ? .resync : .beforeStart)
    }
}
