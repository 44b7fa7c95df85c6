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
        /// Whether ``DurableLogStorage/compact(upTo:)`` hands the handles of the segments it removed to a
        /// background thread to close, rather than closing them itself: the last close of an unlinked
        /// file is when the file system frees its blocks (10–40 ms for a 64 MiB segment on ext4), which
        /// would otherwise stall the caller (the Raft thread) with the log's lock held. The unlinks and
        /// the directory sync stay in `compact`.
        public var closesRemovedSegmentsInBackground: Bool

        /// Defaults: 64 MiB segments, 64 MiB cache, lazy verification of sealed segments, removed
        /// segments closed in the background.
        public init(segmentSize: UInt64 = 64 << 20, cacheBytes: UInt64 = 64 << 20, verifyAllPayloadsAtOpen: Bool = false,
                    closesRemovedSegmentsInBackground: Bool = true) {
            self.segmentSize = segmentSize
            self.cacheBytes = cacheBytes
            self.verifyAllPayloadsAtOpen = verifyAllPayloadsAtOpen
            self.closesRemovedSegmentsInBackground = closesRemovedSegmentsInBackground
        }
    }
}
