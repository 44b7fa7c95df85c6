/// Operator-driven repair of a damaged log (`raftcast wal repair`): cuts a
/// segment at a given offset and removes every later segment. Drops data, so
/// the command asks for explicit consent.
public enum WALRepair {
    /// Truncates segment `file` (a name in `directory`) at `offset`, which must lie on a
    /// record boundary of the valid prefix, removes every later segment, and syncs.
    /// Returns the lines describing what was dropped.
    public static func truncate(directory: String, file: String, offset: UInt64,
                                fileSystem: any FileSystem = POSIXFileSystem.shared) throws(WALError) -> [String] {
        guard let sequence = WALFormat.segmentSequence(file) else {
            throw .io(FileSystemError(path: joinPath(directory, file), reason: "not a segment name (wal-<16 hex>.seg)"))
        }
        do {
            let lock = try fileSystem.lockFile(joinPath(directory, FileLock.fileName))
            defer { lock.unlock() }
            let names = try fileSystem.list(directory)
            guard names.contains(file) else { throw FileSystemError(path: joinPath(directory, file), reason: "No such file") }
            let handle = try fileSystem.open(joinPath(directory, file))
            defer { handle.close() }
            let scan = try SegmentScanner.scan(file: handle, verifyPayloads: true)
            let boundaries = Set([UInt64(WALFormat.segmentHeaderSize)] + scan.records.map { $0.offset + $0.size })
            guard boundaries.contains(offset), offset <= scan.validEnd else {
                throw WALError.corruption(file: handle.path, offset: offset,
                                          reason: "not a record boundary of the valid records (valid data ends at \(scan.validEnd))")
            }
            var lines = ["\(handle.path): truncated from \(scan.size) to \(offset) bytes"]
            try handle.truncate(to: offset)
            try handle.sync()
            for later in names.compactMap(WALFormat.segmentSequence).filter({ $0 > sequence }).sorted() {
                let path = joinPath(directory, WALFormat.segmentName(later))
                try fileSystem.remove(path)
                lines.append("\(path): removed")
            }
            try fileSystem.syncDirectory(directory)
            return lines
        } catch let error as WALError {
            throw error
        } catch let error as FileSystemError {
            throw .io(error)
        } catch {
            throw .io(FileSystemError(path: directory, reason: "\(error)"))
        }
    }
}
