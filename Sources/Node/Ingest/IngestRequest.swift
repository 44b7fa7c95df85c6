import Broadcast

/// A request to ingest a media file into the cluster as stream ``streamID`` (validated before it reaches the
/// Raft loop: the file opens and cuts into ``expectedFragmentCount`` fragments).
public struct IngestRequest: Sendable, Hashable {
    /// The stream's id (chosen by the client so that a retry or a resume is idempotent).
    public var streamID: StreamID
    /// The stream's display name.
    public var name: String
    /// The file on this node to cut: an upload under the data folder, or a media library file.
    public var path: String
    /// The source as recorded in the catalogue (original file name, size, SHA-256).
    public var source: CatalogueSource
    /// Target fragment length (`fragment_seconds`).
    public var fragmentSeconds: Double
    /// How many fragments the file cuts into.
    public var expectedFragmentCount: Int
    /// Live pacing (fragments committed a few seconds ahead of playout) rather than as fast as possible.
    public var isPaced: Bool
    /// The file is an upload owned by the node (removed once the stream has ended).
    public var isUpload: Bool
    /// `--now`: the stream interrupts the programme instead of joining the end of the queue.
    public var interruptsProgramme: Bool

    /// A request.
    public init(
        streamID: StreamID, name: String, path: String, source: CatalogueSource, fragmentSeconds: Double,
        expectedFragmentCount: Int, isPaced: Bool, isUpload: Bool, interruptsProgramme: Bool = false
    ) {
        self.interruptsProgramme = interruptsProgramme
        self.streamID = streamID
        self.name = name
        self.path = path
        self.source = source
        self.fragmentSeconds = fragmentSeconds
        self.expectedFragmentCount = expectedFragmentCount
        self.isPaced = isPaced
        self.isUpload = isUpload
    }
}
