import Broadcast
import RaftcastClient

extension StreamResource {
    /// The resource for `stream`, with this node's `ingest` status (nil: none ran here).
    public init(_ stream: CatalogueStream, ingest: IngestStatus?) {
        self.init(
            id: stream.id.description, name: stream.start.name,
            state: stream.hasEnded ? "ended" : stream.hasFailed ? "failed" : "ingesting", failure: stream.failureReason,
            paced: stream.start.isPaced,
            source: Source(
                file: stream.start.source.fileName, size: stream.start.source.size,
                sha256: stream.start.source.sha256Hex),
            fragmentSeconds: stream.start.fragmentSeconds, committedFragments: stream.fragments.count,
            expectedFragments: stream.start.expectedFragmentCount,
            committedSeconds: stream.fragments.reduce(0) { $0 + $1.durationSeconds },
            committedBytes: stream.committedBytes, startClusterTimeNs: stream.start.startClusterTime.nanoseconds,
            startLogIndex: stream.startLogIndex,
            ingest: ingest ?? IngestStatus(
                active: false, error: nil, committedFragments: stream.fragments.count,
                totalFragments: stream.start.expectedFragmentCount, bytesPerSecond: nil))
    }
}
