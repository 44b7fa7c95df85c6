/// What a node plays, for `GET /v1/playback`: the current stream and position, how much is
/// buffered, and how well it is in sync. Encoded as JSON with snake_case keys, e.g.
/// ```
/// {"buffered_ms":1020.5,"clock_error_bound_ns":180000,"clock_offset_ns":-3700000000,
///  "committed_undecoded_fragments":3,"fragment":4,"hard_resyncs":0,"position_seconds":8.51,
///  "queued_ms":45.0,"state":"playing","stream":"00000000000000a1","sync_error_ns":-210000,"underruns":0, …}
/// ```
public struct PlaybackStatus: Hashable, Sendable, Codable {
    /// What the engine is doing.
    public enum State: String, Hashable, Sendable, Codable {
        /// No stream to play.
        case idle
        /// Cluster time is not known yet (clock sync has not made its first map): nothing is played.
        case unsynchronized
        /// A stream is known and its first sample is not yet written.
        case waiting
        /// A stream is being played.
        case playing
    }

    /// What the engine is doing.
    public var state: State
    /// The stream being played (or waited for); nil when idle.
    public var stream: StreamID?
    /// The fragment holding the next sample to be written; nil before the start or when unknown.
    public var fragment: Int?
    /// The stream position of the next sample to be written, in seconds; nil before the start.
    public var positionSeconds: Double?
    /// Decoded PCM not yet written to the device, in milliseconds.
    public var bufferedMilliseconds: Double
    /// Written to the device and not yet heard (its reported delay, or the virtual playhead's
    /// queue), in milliseconds.
    public var queuedMilliseconds: Double
    /// Committed fragments not yet decoded.
    public var committedUndecodedFragments: Int
    /// Cluster time minus local monotonic time, in nanoseconds; nil when unsynchronized.
    public var clockOffsetNanoseconds: Int64?
    /// The clock's error bound, in nanoseconds; nil when unsynchronized.
    public var clockErrorBoundNanoseconds: Int64?
    /// The last playout error (heard − due; positive: late), in nanoseconds.
    public var syncErrorNanoseconds: Int64?
    /// Times the device ran dry while a stream was playing.
    public var underruns: Int
    /// Hard resyncs (errors above the threshold after playback began).
    public var hardResyncs: Int
    /// Frames inserted or dropped one at a time for drift.
    public var driftCorrectionFrames: Int
    /// Samples replaced by silence because they were not committed (or decoded) in time.
    public var stalledSamples: Int64

    enum CodingKeys: String, CodingKey {
        case state, stream, fragment, underruns
        case positionSeconds = "position_seconds"
        case bufferedMilliseconds = "buffered_ms"
        case queuedMilliseconds = "queued_ms"
        case committedUndecodedFragments = "committed_undecoded_fragments"
        case clockOffsetNanoseconds = "clock_offset_ns"
        case clockErrorBoundNanoseconds = "clock_error_bound_ns"
        case syncErrorNanoseconds = "sync_error_ns"
        case hardResyncs = "hard_resyncs"
        case driftCorrectionFrames = "drift_correction_frames"
        case stalledSamples = "stalled_samples"
    }

    /// A status with every field given.
    public init(
        state: State, stream: StreamID?, fragment: Int?, positionSeconds: Double?, bufferedMilliseconds: Double,
        queuedMilliseconds: Double, committedUndecodedFragments: Int, clockOffsetNanoseconds: Int64?,
        clockErrorBoundNanoseconds: Int64?, syncErrorNanoseconds: Int64?, underruns: Int, hardResyncs: Int,
        driftCorrectionFrames: Int, stalledSamples: Int64
    ) {
        self.state = state
        self.stream = stream
        self.fragment = fragment
        self.positionSeconds = positionSeconds
        self.bufferedMilliseconds = bufferedMilliseconds
        self.queuedMilliseconds = queuedMilliseconds
        self.committedUndecodedFragments = committedUndecodedFragments
        self.clockOffsetNanoseconds = clockOffsetNanoseconds
        self.clockErrorBoundNanoseconds = clockErrorBoundNanoseconds
        self.syncErrorNanoseconds = syncErrorNanoseconds
        self.underruns = underruns
        self.hardResyncs = hardResyncs
        self.driftCorrectionFrames = driftCorrectionFrames
        self.stalledSamples = stalledSamples
    }
}
