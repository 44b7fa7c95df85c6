extension DurableLogStorage {
    /// Tuning of a ``DurableLogStorage``.
    public struct Options: Sendable, Hashable {
        /// A segment is closed and a new one started once it holds this many bytes.
        public var segmentSize: UInt64
        /// Payload bytes of recent entries kept in memory (the leader serves followers from them).
        public var cacheBytes: UInt64
        /// Whether open verifies every payload CRC, or only those of the last segment
        /// (payloads of earlier, sealed segments are then verified when read).
        public var verifyAllPayloadsAtOpen: Bool

        /// Defaults: 64 MiB segments, 64 MiB cache, lazy verification of sealed segments.
        public init(segmentSize: UInt64 = 64 << 20, cacheBytes: UInt64 = 64 << 20, verifyAllPayloadsAtOpen: Bool = false) {
            self.segmentSize = segmentSize
            self.cacheBytes = cacheBytes
            self.verifyAllPayloadsAtOpen = verifyAllPayloadsAtOpen
        }
    }
}
