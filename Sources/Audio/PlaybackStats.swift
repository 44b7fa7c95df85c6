/// Counters of what happened while writing to a device.
public struct PlaybackStats: Hashable, Sendable {
    /// Frames the device accepted.
    public var framesWritten = 0
    /// Underruns (-EPIPE) recovered with snd_pcm_recover.
    public var underruns = 0
    /// Suspends (-ESTRPIPE) recovered with snd_pcm_recover.
    public var suspends = 0
    /// Interrupted calls (-EINTR) recovered with snd_pcm_recover.
    public var interruptions = 0
    /// Times the device was full (-EAGAIN or 0 frames) and the writer waited for room.
    public var waits = 0
    /// Writes the device accepted only in part.
    public var partialWrites = 0

    /// No events yet.
    public init() {}
}
