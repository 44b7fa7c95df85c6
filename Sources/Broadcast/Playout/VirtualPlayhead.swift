/// The queue of a sink that does not pace itself (ALSA `null`/`file`, the WAV fallback, memory): it
/// accepts audio instantly and reports no delay, so the player keeps a virtual playhead that "plays"
/// what was written at the nominal rate on the local monotonic clock, and reports what it has not
/// reached as ``PlayoutObservation/queuedFrames``.
///
/// ```
///  written ──────────────────────────────▶ frames
///  playhead ────▶ (runs at `rate` from the first write; waits, like a card, when it runs dry)
///             └── queued = written − played
/// ```
public struct VirtualPlayhead: Hashable, Sendable {
    /// Frames per second.
    public let sampleRate: Int
    /// Frames written so far.
    public private(set) var framesWritten: Int64 = 0
    /// The local time at which everything written so far has been played; nil before the first write.
    public private(set) var drainedAt: Duration?

    /// A playhead at `sampleRate` frames per second with nothing written.
    public init(sampleRate: Int) {
        self.sampleRate = sampleRate
    }

    /// Frames written and not yet played at local time `now`.
    public func queuedFrames(at now: Duration) -> Int {
        guard let drainedAt, drainedAt > now else { return 0 }
        return Int(((drainedAt - now).nanosecondsValue * Double(sampleRate) / 1e9).rounded(.up))
    }

    /// Records `frames` written at local time `now`: they play after what is queued (or from `now`
    /// if the playhead ran dry).
    public mutating func wrote(frames: Int, at now: Duration) {
        guard frames > 0 else { return }
        let from = max(drainedAt ?? now, now)
        drainedAt = from + .nanoseconds(StreamTimeline.nanoseconds(ofSamples: Int64(frames), rate: Int64(sampleRate)))
        framesWritten += Int64(frames)
    }
}
