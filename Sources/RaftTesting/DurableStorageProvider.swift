import Raft
import RaftStorage

/// Gives each simulated node the project's durable write-ahead log
/// (``DurableLogStorage``) on its own in-memory ``SimulatedFileSystem``. A
/// crash is a power loss of that file system (unsynced bytes vanish), and a
/// restart reopens the log from what survived, through the log's recovery.
public final class DurableStorageProvider: SimStorageProvider {
    private var fileSystems: [NodeID: SimulatedFileSystem] = [:]
    private let options: DurableLogStorage.Options

    /// Small segments by default, so that runs rotate and drop segments.
    public init(options: DurableLogStorage.Options = DurableLogStorage.Options(segmentSize: 16 << 10, cacheBytes: 64 << 10)) {
        self.options = options
    }

    /// The file system of `node` (for inspection).
    public func fileSystem(of node: NodeID) -> SimulatedFileSystem {
        if let fs = fileSystems[node] { return fs }
        let fs = SimulatedFileSystem()
        fileSystems[node] = fs
        return fs
    }

    /// Opens (recovering) the log of `node` in `/raft/n<id>` on its file system.
    public func open(node: NodeID, bootstrap: ConfState) throws -> any MutableLogStorage {
        try DurableLogStorage(directory: "/raft/n\(node)", fileSystem: fileSystem(of: node), options: options, confState: bootstrap)
    }

    /// Power loss of `node`'s file system: unsynced bytes are lost.
    public func crash(node: NodeID) {
        fileSystems[node]?.powerLoss()
    }
}
