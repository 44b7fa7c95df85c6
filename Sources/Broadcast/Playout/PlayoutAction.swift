/// What ``PlayoutScheduler/next(_:)`` tells the player to do. The player does it, observes again, and
/// asks again.
public enum PlayoutAction: Hashable, Sendable {
    /// Nothing to write until cluster time `until` (the device holds enough, or the stream starts
    /// later); map it to local time with ``ClusterClock/localTime(at:)`` and sleep.
    case wait(until: ClusterTime)
    /// Write `frames` frames of silence.
    case silence(frames: Int, reason: SilenceReason)
    /// Write the chunk's samples, corrected by its plan.
    case play(PlayoutChunk)
    /// The position moved from `from` to `to` without playing the samples between (the decoder
    /// continues at `to`; after a join it needs its pre-roll).
    case skip(from: Int64, to: Int64, reason: SkipReason)
    /// The stream's last sample is written.
    case finished

    /// Why silence is written.
    public enum SilenceReason: Hashable, Sendable {
        /// Filling up to the stream's first sample, so it is heard exactly at its start time.
        case beforeStart
        /// These samples are not committed (or not decoded) in time: silence stands in for them,
        /// one frame each, so playback continues on the timeline when they come.
        case stall(missing: Range<Int64>)
        /// Playback is early by more than the hard-resync threshold: silence until it is on time.
        case resync
    }

    /// Why the position moved.
    public enum SkipReason: Hashable, Sendable {
        /// The player joined a stream already under way: it starts at the sample being heard now.
        case join
        /// Playback was late by more than the hard-resync threshold.
        case resync
    }
}
