/// Where playback stands at one instant: for a progress display, and for issue 7's drift
/// measurement (``errorFrames`` over time gives the drift in ppm for ``DriftCorrector``).
public struct PlaybackPosition: Hashable, Sendable {
    /// The instant this position is for (the player's clock).
    public var time: Duration
    /// Frames handed to the sink.
    public var framesWritten: Int
    /// Frames that have reached the listener: written minus the device's delay for a device that
    /// paces itself; for an instant sink, how far the schedule has run (capped by frames written).
    public var framesHeard: Int
    /// Frames the schedule says should have been heard by ``time`` (0 before the start).
    public var framesDue: Int
    /// Frames queued in the device, not yet heard (0 for sinks that do not pace).
    public var delayFrames: Int

    /// A position with the given counts.
    public init(time: Duration, framesWritten: Int, framesHeard: Int, framesDue: Int, delayFrames: Int) {
        self.time = time
        self.framesWritten = framesWritten
        self.framesHeard = framesHeard
        self.framesDue = framesDue
        self.delayFrames = delayFrames
    }

    /// How far playback is ahead of the schedule, in frames (negative: behind).
    public var errorFrames: Int { framesHeard - framesDue }
}
