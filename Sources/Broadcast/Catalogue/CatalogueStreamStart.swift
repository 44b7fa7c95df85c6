import Media

/// Everything the `streamStarted` log entry fixes about a stream: who it is, where it came from, how to
/// decode it (Media's stream header record) and where it lies on the cluster timeline.
public struct CatalogueStreamStart: Sendable, Hashable {
    /// The stream's id.
    public var id: StreamID
    /// A display name.
    public var name: String
    /// The source file.
    public var source: CatalogueSource
    /// Media's `StreamHeader` wire record ("RCSH"), untouched.
    public var headerRecord: [UInt8]
    /// Cluster time at which the stream's first sample is heard (the leader's cluster now plus the
    /// playout delay, fixed once when the stream starts).
    public var startClusterTime: ClusterTime
    /// The target fragment duration the stream is cut at, in seconds.
    public var fragmentSeconds: Double
    /// How many fragments the stream will have, when the leader knows beforehand.
    public var expectedFragmentCount: Int?
    /// Paced (live) ingest: fragments are proposed no further than a lead ahead of their playout time.
    public var isPaced: Bool
    /// The stream interrupts the programme (`ingest --now`): the item playing at `startClusterTime` is cut
    /// at its next fragment boundary and this one follows it; otherwise the stream joins the end of the queue.
    public var interruptsProgramme: Bool

    /// Creates a stream start.
    public init(
        id: StreamID, name: String, source: CatalogueSource, headerRecord: [UInt8],
        startClusterTime: ClusterTime, fragmentSeconds: Double, expectedFragmentCount: Int? = nil,
        isPaced: Bool, interruptsProgramme: Bool = false
    ) {
        self.interruptsProgramme = interruptsProgramme
        self.id = id
        self.name = name
        self.source = source
        self.headerRecord = headerRecord
        self.startClusterTime = startClusterTime
        self.fragmentSeconds = fragmentSeconds
        self.expectedFragmentCount = expectedFragmentCount
        self.isPaced = isPaced
    }

    /// The decoded stream header.
    /// - Throws: `WireFormatError` when `headerRecord` is not a valid stream header record.
    public func header() throws(WireFormatError) -> StreamHeader { try StreamHeader(decoding: headerRecord) }
}
