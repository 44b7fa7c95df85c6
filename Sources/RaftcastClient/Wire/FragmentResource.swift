
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

    /// A resource with every field given.
    public init(
        index: Int, startSeconds: Double, durationSeconds: Double, bytes: Int, keyframe: Bool, logIndex: UInt64,
        hash: String
    ) {
        self.index = index
        self.startSeconds = startSeconds
        self.durationSeconds = durationSeconds
        self.bytes = bytes
        self.keyframe = keyframe
        self.logIndex = logIndex
        self.hash = hash
    }
}
