
/// The state of this node's ingest session for one stream, as the HTTP API shows it.
public struct IngestStatus: Sendable, Hashable, Codable {
    /// A session is running on this node (its leader).
    public var active: Bool
    /// Why the last session on this node stopped early, if it did.
    public var error: String?
    /// Fragments committed so far, as the session counts them.
    public var committedFragments: Int
    /// Fragments the source cuts into.
    public var totalFragments: Int?
    /// Committed bytes per second since the session started.
    public var bytesPerSecond: Double?

    enum CodingKeys: String, CodingKey {
        case active, error
        case committedFragments = "committed_fragments"
        case totalFragments = "total_fragments"
        case bytesPerSecond = "bytes_per_second"
    }

    /// Encodes every key, absent values as null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(active, forKey: .active)
        try container.encode(error, forKey: .error)
        try container.encode(committedFragments, forKey: .committedFragments)
        try container.encode(totalFragments, forKey: .totalFragments)
        try container.encode(bytesPerSecond, forKey: .bytesPerSecond)
    }

    /// A status.
    public init(active: Bool, error: String?, committedFragments: Int, totalFragments: Int?, bytesPerSecond: Double?) {
        self.active = active
        self.error = error
        self.committedFragments = committedFragments
        self.totalFragments = totalFragments
        self.bytesPerSecond = bytesPerSecond
    }
}
