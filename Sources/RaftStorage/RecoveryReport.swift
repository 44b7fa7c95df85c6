/// What opening a log directory found and did, for the caller to log.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// A torn record at the tail of a segment (a crash mid-write) that was cut off.
    public struct TruncatedTail: Sendable, Hashable {
        /// The segment file.
        public var file: String
        /// Where the valid data ended (the new size of the file).
        public var offset: UInt64
        /// Bytes removed.
        public var droppedBytes: UInt64
        /// What was wrong with the first dropped record.
        public var reason: String
    }

    /// Segment files read.
    public var segments = 0
    /// Entries in the recovered log.
    public var entries = 0
    /// Bytes of segment files read.
    public var bytes: UInt64 = 0
    /// Records whose payload CRC was verified at open.
    public var payloadsVerified = 0
    /// Torn tails cut off (at most one per crash).
    public var truncatedTails: [TruncatedTail] = []
    /// Other things worth a warning (removed temporary files, an empty unfinished segment, unknown files).
    public var warnings: [String] = []

    /// True when recovery changed nothing and found nothing to warn about.
    public var isClean: Bool { truncatedTails.isEmpty && warnings.isEmpty }

    public var description: String {
        var lines = ["recovered \(entries) entries from \(segments) segments (\(bytes) bytes, \(payloadsVerified) payloads verified)"]
        for t in truncatedTails {
            lines.append("warning: \(t.file): torn tail at offset \(t.offset) truncated (\(t.droppedBytes) bytes dropped): \(t.reason)")
        }
        for w in warnings { lines.append("warning: \(w)") }
        return lines.joined(separator: "\n")
    }
}
