/// How far an ingest has got.
public struct IngestProgress: Sendable, Hashable {
    /// Fragments of the stream committed (by any leader).
    public var committedFragments: Int
    /// Fragments in the stream, once known (the source ran out, or the count was known beforehand).
    public var totalFragments: Int?
    /// Bytes of this session's own proposals that committed.
    public var committedBytes: Int
    /// Bytes this session proposed that are not committed yet.
    public var uncommittedBytes: Int
    /// `committedBytes` per second of cluster time since the session's first action, nil before a second.
    public var bytesPerSecond: Double?
    /// The smallest margin seen between a fragment's commit and its playout time (negative: committed late).
    /// Nil until a fragment of this session commits.
    public var smallestCommitMargin: Duration?
}
