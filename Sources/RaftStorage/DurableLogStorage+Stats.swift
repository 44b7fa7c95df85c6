extension DurableLogStorage {
    /// Sizes worth exporting as metrics (e.g. on a node's /metrics).
    public struct Stats: Sendable, Hashable {
        /// Segment files in use.
        public var segments: Int
        /// Bytes of all segment files.
        public var segmentBytes: UInt64
        /// Entries retained (`firstIndex ... lastIndex`).
        public var entries: Int
        /// Entries and payload bytes in the memory cache.
        public var cachedEntries: Int
        public var cachedBytes: UInt64
        /// True once the storage latched after a failure.
        public var failed: Bool
    }

    /// Current sizes (one `fstat` per segment).
    public var stats: Stats {
        lock.withLock {
            let bytes = segmentFiles.values.reduce(UInt64(0)) { $0 + ((try? $1.size()) ?? 0) }
            return Stats(segments: segmentFiles.count, segmentBytes: bytes, entries: locations.count,
                         cachedEntries: cache.count, cachedBytes: cache.bytes, failed: failure != nil)
        }
    }
}
