extension PlaybackEngine {
    /// Counters of what the engine did, for tests and metrics.
    public struct Counters: Hashable, Sendable {
        /// Fragments decoded.
        public var fragmentsDecoded = 0
        /// Committed fragments dropped undecoded (playback had passed them).
        public var fragmentsSkipped = 0
        /// Decoder resets (joins and gaps), each followed by a pre-roll.
        public var decoderResets = 0
        /// The most decoded-and-unwritten frames held at once, over all streams.
        public var peakBufferedFrames: Int64 = 0
        /// The most PCM samples stored at once (including consumed ones not yet compacted).
        public var peakStoredSamples = 0
        /// The most committed-but-undecoded fragments held at once.
        public var peakHeldFragments = 0
        /// Frames written to the device (silence included).
        public var framesWritten: Int64 = 0
        /// Play-log records written.
        public var playLogRecords = 0
        /// Play-log records that could not be written (a full disk): playback goes on without them.
        public var playLogRecordsLost = 0
        /// Corrupt audio packets the decoders skipped (each a `MediaWarning`).
        public var decoderWarnings = 0
        /// Streams dropped because they could not be played (``PlaybackEngine/failedStreams``).
        public var streamsFailed = 0
    }
}
