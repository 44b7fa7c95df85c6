extension PlaybackEngine {
    /// The node's name in the play log, the playout scheduler's settings and how far ahead to decode.
    public struct Configuration: Hashable, Sendable {
        /// The node's id, written in every play-log record.
        public var node: String
        /// Queue depth, chunk size, resync threshold and drift gain of every stream's scheduler.
        public var playout: PlayoutScheduler.Configuration
        /// Decoded PCM kept ahead of the playhead: the next fragment is decoded when less than this
        /// is left. Memory per stream is about this plus one fragment.
        public var decodeAhead: Duration
        /// How long to wait before looking again while cluster time is unknown.
        public var unsynchronizedRetry: Duration

        /// Defaults: the scheduler's defaults, 1 s decoded ahead, retry every 20 ms while unsynchronized.
        public init(
            node: String, playout: PlayoutScheduler.Configuration = .init(), decodeAhead: Duration = .seconds(1),
            unsynchronizedRetry: Duration = .milliseconds(20)
        ) {
            self.node = node
            self.playout = playout
            self.decodeAhead = decodeAhead
            self.unsynchronizedRetry = unsynchronizedRetry
        }
    }
}
