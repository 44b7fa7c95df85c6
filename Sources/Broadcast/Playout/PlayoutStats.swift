/// Counters of one stream's playout, for metrics, the play log and tests.
public struct PlayoutStats: Hashable, Sendable {
    /// Stream samples consumed by ``PlayoutAction/play(_:)`` chunks.
    public var playedSamples: Int64 = 0
    /// Frames inserted for drift.
    public var insertedFrames = 0
    /// Frames dropped for drift.
    public var droppedFrames = 0
    /// Frames of silence written (before the start, stalls, early resyncs).
    public var silenceFrames: Int64 = 0
    /// Samples replaced by silence because they were not available in time.
    public var stalledSamples: Int64 = 0
    /// Samples skipped by late resyncs.
    public var resyncSkippedSamples: Int64 = 0
    /// Hard resyncs (errors above the threshold after playback began).
    public var hardResyncs = 0
    /// Re-placements of a playhead placed on an estimate that later converged
    /// (``PlayoutScheduler/Configuration/refineBelowBound``).
    public var replacements = 0
    /// The sample a mid-stream join started at; nil when playback started at the beginning.
    public var joinedAt: Int64?

    /// All zero.
    public init() {}
}
