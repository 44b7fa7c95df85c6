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
        /// Synced bytes of the log more than this far behind its end are dropped from the operating
        /// system's page cache (`posix_fadvise(DONTNEED)`); nil keeps them all. The window keeps what
        /// is read back soon (fragments past ``cacheBytes`` that the player, HLS listeners and lagging
        /// followers read from the segment files: 32 MiB is minutes of a broadcast); behind it, the log
        /// is written once and rarely read. Kept, every MiB appended takes a MiB of page cache nobody
        /// reads, and a VM that reports free memory to its host (virtio-balloon free page reporting)
        /// makes writes into such long-free pages slow: 1 GiB of 1 MiB `pwrite`s with an `fdatasync`
        /// every 8 MiB took 3.7–4.5 CPU-s here, 0.25 with the window (docs/wal-format.md).
        public var pageCacheWindow: UInt64?

        /// Defaults: 64 MiB segments, 64 MiB cache, lazy verification of sealed segments, removed
        /// segments closed in the background, a 32 MiB page-cache window.
        public init(segmentSize: UInt64 = 64 << 20, cacheBytes: UInt64 = 64 << 20, verifyAllPayloadsAtOpen: Bool = false,
                    closesRemovedSegmentsInBackground: Bool = true, pageCacheWindow: UInt64? = 32 << 20) {
            self.segmentSize = segmentSize
            self.cacheBytes = cacheBytes
            self.verifyAllPayloadsAtOpen = verifyAllPayloadsAtOpen
            self.closesRemovedSegmentsInBackground = closesRemovedSegmentsInBackground
            self.pageCacheWindow = pageCacheWindow
        }
    }
}
