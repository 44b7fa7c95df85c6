/// What `raftcast ingest` reads of `GET /v1/streams/{id}` (the `Stream` schema of docs/openapi.yaml):
/// how far the stream is committed and whether the answering node still runs its ingest.
public struct IngestStreamStatus: Sendable, Hashable, Decodable {
    /// This node's ingest session for the stream.
    public struct Session: Sendable, Hashable, Decodable {
        public var active: Bool
        /// Why the session stopped, when it failed.
        public var error: String?

        public init(active: Bool, error: String?) {
            self.active = active
            self.error = error
        }
    }

    public var id: String
    /// "ingesting" or "ended".
    public var state: String
    public var committedFragments: Int
    public var expectedFragments: Int?
    public var committedSeconds: Double
    public var committedBytes: Int
    public var ingest: Session

    public init(
        id: String, state: String, committedFragments: Int, expectedFragments: Int?, committedSeconds: Double,
        committedBytes: Int, ingest: Session
    ) {
        self.id = id
        self.state = state
        self.committedFragments = committedFragments
        self.expectedFragments = expectedFragments
        self.committedSeconds = committedSeconds
        self.committedBytes = committedBytes
        self.ingest = ingest
    }

    /// True once the stream has ended.
    public var hasEnded: Bool { state == "ended" }
}
