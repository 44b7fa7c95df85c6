
/// A stream as the HTTP API shows it (`GET /v1/streams`, `GET /v1/streams/{id}`; docs/openapi.yaml).
public struct StreamResource: Sendable, Hashable, Codable {
    /// The source file of a stream.
    public struct Source: Sendable, Hashable, Codable {
        public var file: String
        public var size: UInt64
        public var sha256: String

        /// A source with every field given.
        public init(file: String, size: UInt64, sha256: String) {
            self.file = file
            self.size = size
            self.sha256 = sha256
        }
    }

    public var id: String
    public var name: String
    /// "ingesting" until the stream's end is committed, then "ended"; "failed" once a committed fragment
    /// broke the catalogue's limits (``failure`` says why).
    public var state: String
    /// Why the stream failed; nil unless `state` is "failed".
    public var failure: String?
    public var paced: Bool
    public var source: Source
    public var fragmentSeconds: Double
    public var committedFragments: Int
    public var expectedFragments: Int?
    public var committedSeconds: Double
    public var committedBytes: Int
    public var startClusterTimeNs: Int64
    public var startLogIndex: UInt64
    /// This node's ingest session for the stream.
    public var ingest: IngestStatus

    enum CodingKeys: String, CodingKey {
        case id, name, state, failure, paced, source, ingest
        case fragmentSeconds = "fragment_seconds"
        case committedFragments = "committed_fragments"
        case expectedFragments = "expected_fragments"
        case committedSeconds = "committed_seconds"
        case committedBytes = "committed_bytes"
        case startClusterTimeNs = "start_cluster_time_ns"
        case startLogIndex = "start_log_index"
    }

    /// Encodes every key, `expected_fragments` and `failure` as null when unknown or not failed.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(failure, forKey: .failure)
        try container.encode(paced, forKey: .paced)
        try container.encode(source, forKey: .source)
        try container.encode(ingest, forKey: .ingest)
        try container.encode(fragmentSeconds, forKey: .fragmentSeconds)
        try container.encode(committedFragments, forKey: .committedFragments)
        try container.encode(expectedFragments, forKey: .expectedFragments)
        try container.encode(committedSeconds, forKey: .committedSeconds)
        try container.encode(committedBytes, forKey: .committedBytes)
        try container.encode(startClusterTimeNs, forKey: .startClusterTimeNs)
        try container.encode(startLogIndex, forKey: .startLogIndex)
    }

    /// A resource with every field given.
    public init(
        id: String, name: String, state: String, failure: String?, paced: Bool, source: Source,
        fragmentSeconds: Double, committedFragments: Int, expectedFragments: Int?, committedSeconds: Double,
        committedBytes: Int, startClusterTimeNs: Int64, startLogIndex: UInt64, ingest: IngestStatus
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.failure = failure
        self.paced = paced
        self.source = source
        self.fragmentSeconds = fragmentSeconds
        self.committedFragments = committedFragments
        self.expectedFragments = expectedFragments
        self.committedSeconds = committedSeconds
        self.committedBytes = committedBytes
        self.startClusterTimeNs = startClusterTimeNs
        self.startLogIndex = startLogIndex
        self.ingest = ingest
    }
}
