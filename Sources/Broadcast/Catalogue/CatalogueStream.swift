import Media

/// One stream in the catalogue: its start entry, whether it has ended, and its committed fragments in order
/// (fragment `i` is `fragments[i]`).
public struct CatalogueStream: Sendable, Hashable {
    /// Whether more fragments may come.
    public enum State: Sendable, Hashable {
        /// Fragments are still being added.
        case live
        /// Complete: `fragmentCount` fragments lasting `durationSeconds`.
        case ended(fragmentCount: Int, durationSeconds: Double)
        /// A committed fragment broke ``CatalogueLimits`` (`reason` says which and how): the stream keeps
        /// the fragments before it and takes no more.
        case failed(reason: String)
    }

    /// The stream-start entry as committed.
    public var start: CatalogueStreamStart
    /// The decoded stream header (from `start.headerRecord`).
    public var header: StreamHeader
    /// Log index of the stream-start entry.
    public var startLogIndex: UInt64
    /// Live or ended.
    public var state: State
    /// Committed fragments, in index order, without gaps.
    public var fragments: [CatalogueFragment]

    /// Creates a stream.
    public init(
        start: CatalogueStreamStart, header: StreamHeader, startLogIndex: UInt64, state: State = .live,
        fragments: [CatalogueFragment] = []
    ) {
        self.start = start
        self.header = header
        self.startLogIndex = startLogIndex
        self.state = state
        self.fragments = fragments
    }

    /// The stream's id.
    public var id: StreamID { start.id }
    /// The first fragment index not committed (where an ingest resumes).
    public var firstMissingFragment: Int { fragments.count }
    /// Whether the stream has ended.
    public var hasEnded: Bool { if case .ended = state { true } else { false } }
    /// Whether the stream has failed.
    public var hasFailed: Bool { failureReason != nil }
    /// Why the stream failed; nil unless it did.
    public var failureReason: String? { if case .failed(let reason) = state { reason } else { nil } }
    /// Whether no more fragments will be taken (ended or failed).
    public var isFinal: Bool { state != .live }
    /// The stream's committed length in seconds: from its first fragment's start to its last one's end.
    public var committedDurationSeconds: Double {
        guard let first = fragments.first, let last = fragments.last else { return 0 }
        return max(0, last.startSeconds + last.durationSeconds - first.startSeconds)
    }
    /// Bytes of all committed fragment records.
    public var committedBytes: Int { fragments.reduce(0) { $0 + $1.byteCount } }
    /// The stream's timeline: its first sample is heard at `start.startClusterTime`.
    public var timeline: StreamTimeline {
        StreamTimeline(start: start.startClusterTime, sampleRate: max(1, Int(header.audio.sampleRate)))
    }
}
