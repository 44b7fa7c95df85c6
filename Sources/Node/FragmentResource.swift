import Broadcast

/// A committed fragment as the HTTP API shows it (`GET /v1/streams/{id}/fragments`). Index, start, duration and
/// keyframe equal the fragment plan of `raftcast probe FILE --json` for the same `fragment_seconds`.
public struct FragmentResource: Sendable, Hashable, Codable {
    public var index: Int
    public var startSeconds: Double
    public var durationSeconds: Double
    /// Bytes of the fragment record.
    public var bytes: Int
    /// The fragment starts with a video keyframe (always true for audio only).
    public var keyframe: Bool
    /// The Raft log index of the entry holding it.
    public var logIndex: UInt64
    /// FNV-1a 64 of the record, 16 hex digits.
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case index, bytes, keyframe, hash
        case startSeconds = "start_seconds"
        case durationSeconds = "duration_seconds"
        case logIndex = "log_index"
    }

    /// The resource for `fragment`.
    public init(_ fragment: CatalogueFragment) {
        index = fragment.index
        startSeconds = fragment.startSeconds
        durationSeconds = fragment.durationSeconds
        bytes = fragment.byteCount
        keyframe = fragment.startsWithKeyframe
        logIndex = fragment.logIndex
        hash = StreamIDFormat.string(fragment.hash)
    }
}
