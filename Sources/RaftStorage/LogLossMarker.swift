import Raft

/// The log-loss marker (format version 1): a small file, `log-loss.marker`,
/// in the log directory, saying that the log lost entries the node may have
/// acknowledged. `raftcast wal repair` writes it before it cuts anything; a
/// node refuses to start while it exists unless the operator consents
/// (`raftcast node --accept-log-loss`), and removes it once it has caught up
/// (see ``Raft/LogLoss``). Written like a snapshot: a temporary name, sync,
/// rename, directory sync.
///
///     offset  size  field
///     +------+-----+------------------------------------------------+
///     |    0 |   8 | magic "RCWALLOS"                               |
///     |    8 |   4 | format version (u32 LE) = 1                    |
///     |   12 |   4 | reserved = 0                                   |
///     |   16 |   8 | highest index the log may have held (u64 LE)   |
///     |   24 |   8 | highest term the node may have seen (u64 LE)   |
///     |   32 |   4 | reserved = 0                                   |
///     |   36 |   4 | CRC-32C of bytes 0..<36                        |
///     +------+-----+------------------------------------------------+
public enum LogLossMarker {
    /// The marker's file name in the log directory.
    public static let fileName = "log-loss.marker"
    /// Magic, bytes 0..<8.
    public static let magic: [UInt8] = Array("RCWALLOS".utf8)
    /// Size of the file.
    public static let size = 40

    /// The bytes of a marker for `loss`.
    public static func encode(_ loss: LogLoss) -> [UInt8] {
        var out = magic
        out.appendLE(WALFormat.version)
        out.appendLE(UInt32(0))
        out.appendLE(loss.index)
        out.appendLE(loss.term)
        out.appendLE(UInt32(0))
        out.appendLE(CRC32C.checksum(out))
        return out
    }

    /// Decodes a marker; the problem names the offset and what is wrong.
    public static func decode(_ bytes: [UInt8]) -> Result<LogLoss, SnapshotProblem> {
        guard bytes.count == size else { return .failure(SnapshotProblem(offset: 0, reason: "log-loss marker of \(bytes.count) bytes (expected \(size))")) }
        guard Array(bytes[0..<8]) == magic else { return .failure(SnapshotProblem(offset: 0, reason: "not a log-loss marker (bad magic)")) }
        return bytes.withUnsafeBytes { raw -> Result<LogLoss, SnapshotProblem> in
            let stored = raw.loadLE(UInt32.self, at: 36)
            let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<36]))
            guard stored == computed else {
                return .failure(SnapshotProblem(offset: 36, reason: "CRC mismatch (stored \(hex32(stored)), computed \(hex32(computed)))"))
            }
            let version = raw.loadLE(UInt32.self, at: 8)
            guard version == WALFormat.version else { return .failure(SnapshotProblem(offset: 8, reason: "unsupported format version \(version)")) }
            return .success(LogLoss(index: raw.loadLE(UInt64.self, at: 16), term: raw.loadLE(UInt64.self, at: 24)))
        }
    }

    /// The marker in `directory`, nil when there is none.
    /// - Throws: ``WALError/corruption(file:offset:reason:)`` for a damaged marker.
    public static func read(in directory: String, fileSystem: any FileSystem) throws(WALError) -> LogLoss? {
        let path = joinPath(directory, fileName)
        do {
            guard try fileSystem.list(directory).contains(fileName) else { return nil }
            let file = try fileSystem.open(path)
            defer { file.close() }
            let bytes = try file.read(count: Int(min(try file.size(), 4096)), at: 0)
            switch decode(bytes) {
            case .success(let loss): return loss
            case .failure(let problem): throw WALError.corruption(file: path, offset: problem.offset, reason: problem.reason)
            }
        } catch let error as WALError {
            throw error
        } catch let error as FileSystemError {
            throw .io(error)
        } catch {
            throw .io(FileSystemError(path: path, reason: "\(error)"))
        }
    }

    /// Writes (or widens) the marker durably: the stored loss becomes the
    /// merge of the one present and `loss`. Returns what is stored.
    @discardableResult
    public static func record(_ loss: LogLoss, in directory: String, fileSystem: any FileSystem) throws(WALError) -> LogLoss {
        let merged = (try read(in: directory, fileSystem: fileSystem)).map { $0.merged(with: loss) } ?? loss
        let path = joinPath(directory, fileName)
        let temporary = path + ".tmp"
        do {
            if try fileSystem.list(directory).contains(fileName + ".tmp") { try fileSystem.remove(temporary) }
            let file = try fileSystem.create(temporary)
            defer { file.close() }
            try file.write(encode(merged), at: 0)
            try file.sync()
            try fileSystem.rename(temporary, to: path)
            try fileSystem.syncDirectory(directory)
        } catch {
            throw .io(error)
        }
        return merged
    }

    /// Removes the marker durably (the node has caught up).
    public static func remove(in directory: String, fileSystem: any FileSystem) throws(WALError) {
        do {
            guard try fileSystem.list(directory).contains(fileName) else { return }
            try fileSystem.remove(joinPath(directory, fileName))
            try fileSystem.syncDirectory(directory)
        } catch {
            throw .io(error)
        }
    }
}
