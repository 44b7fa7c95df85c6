/// What the player tells ``PlayoutScheduler`` each time it asks what to do next.
public struct PlayoutObservation: Hashable, Sendable {
    /// Cluster time now: ``ClusterClock/clusterTime(at:)`` at the instant ``queuedFrames`` was read.
    public var now: ClusterTime
    /// Frames written to the device and not yet heard: `snd_pcm_delay` for a sound card (which
    /// includes its reported latency); for a sink that does not pace itself, what a virtual playhead
    /// running on the local clock has not reached yet.
    public var queuedFrames: Int
    /// The stream samples that may be played: their fragments are committed and decoded. Nothing
    /// outside this range is ever played.
    public var available: Range<Int64>
    /// The stream's length in samples once its last fragment is committed; nil while it goes on.
    public var streamEnd: Int64?
    /// How far ``now`` may be from the true cluster time (``ClusterClock/errorBound(at:)``): errors
    /// smaller than this are not worth correcting.
    public var clockErrorBound: Duration

    /// An observation at `now` with `queuedFrames` in the device.
    public init(
        now: ClusterTime, queuedFrames: Int, available: Range<Int64>, streamEnd: Int64? = nil,
        clockErrorBound: Duration = .zero
    ) {
        self.now = now
        self.queuedFrames = queuedFrames
        self.available = available
        self.streamEnd = streamEnd
        self.clockErrorBound = clockErrorBound
    }
}
