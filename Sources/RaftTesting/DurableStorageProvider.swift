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

    /// Runs ``WALRepair`` on the node's log at the last record of entry
    /// `index + 1` (later records hold only later entries, so the log keeps its
    /// entries up to `index`), which records the loss in the log-loss marker;
    /// returns the loss the reopened log reports.
    public func loseTail(node: NodeID, keepingUpTo index: UInt64) throws -> LogLoss? {
        let fs = fileSystem(of: node)
        let directory = "/raft/n\(node)"
        let inspection = try WALInspection.inspect(directory: directory, fileSystem: fs)
        var cut: (file: String, offset: UInt64)?
        for segment in inspection.segments {
            for record in segment.records where record.type == .entry && record.index == index + 1 {
                cut = (segment.name, record.offset)
            }
        }
        guard let cut else { return nil }
        _ = try WALRepair.truncate(directory: directory, file: cut.file, offset: cut.offset, fileSystem: fs)
        let storage = try DurableLogStorage(directory: directory, fileSystem: fs, options: options)
        defer { storage.close() }
        return storage.logLoss
    }
}
