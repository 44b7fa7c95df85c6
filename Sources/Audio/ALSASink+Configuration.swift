extension ALSASink {
    /// How the sink decides whether the device plays in real time (see ``ALSASink/pacesInRealTime``).
    public enum PacingDetection: String, Sendable, CaseIterable {
        /// Look at the PCM chain: a chain that ends in ALSA's `null` PCM (`null`, `file:...`,
        /// `plug:null`, a `type file` PCM with `slave.pcm "null"`) does not pace; anything else does.
        case detect
        /// Trust the device to pace itself (a sound card).
        case device
        /// Treat the device as instant: the player paces against its clock.
        case clock
    }

    /// Hardware and software parameters of an ``ALSASink``.
    public struct Configuration: Hashable, Sendable {
        /// Wanted period (the unit the device wakes the writer in); the device picks the nearest.
        public var periodTime: Duration
        /// Wanted ring buffer length; the device picks the nearest.
        public var bufferTime: Duration
        /// How to decide whether the device paces in real time.
        public var pacing: PacingDetection
        /// How long one wait for room in a full device may take.
        public var waitTimeout: Duration
        /// Waits in a row without the device taking a frame before a write fails as stalled.
        public var maxAttemptsWithoutProgress: Int

        /// Defaults: 20 ms periods, 100 ms buffer, detected pacing, 100 ms waits, 50 attempts (5 s).
        public init(
            periodTime: Duration = .milliseconds(20),
            bufferTime: Duration = .milliseconds(100),
            pacing: PacingDetection = .detect,
            waitTimeout: Duration = .milliseconds(100),
            maxAttemptsWithoutProgress: Int = 50
        ) {
            self.periodTime = periodTime
            self.bufferTime = bufferTime
            self.pacing = pacing
            self.waitTimeout = waitTimeout
            self.maxAttemptsWithoutProgress = maxAttemptsWithoutProgress
        }
    }
}

extension Duration {
    /// Whole microseconds, clamped to UInt32 (ALSA's unit for period and buffer times).
    var alsaMicroseconds: UInt32 {
        let (seconds, attoseconds) = components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return UInt32(clamping: max(micros, 1))
    }

    /// Whole milliseconds, clamped to Int32 (snd_pcm_wait's unit).
    var alsaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: max(seconds * 1_000 + attoseconds / 1_000_000_000_000_000, 1))
    }
}
