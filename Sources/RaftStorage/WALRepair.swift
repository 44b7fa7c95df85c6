import Raft

/// Operator-driven repair of a damaged log (`raftcast wal repair`): cuts a
/// segment at a given offset and removes every later segment. Drops data, so
/// the command asks for explicit consent; and since the node may have
/// acknowledged what is dropped, it first records a ``LogLossMarker`` so that
/// the node does not rejoin as a voter without the operator's consent
/// (`raftcast node --accept-log-loss`).
public enum WALRepair {
    /// Truncates segment `file` (a name in `directory`) at `offset`, which must lie on a
    /// record boundary of the valid prefix, removes every later segment, and syncs.
    /// Before anything is cut, the loss is recorded in the log-loss marker (when any
    /// byte is dropped). Returns the lines describing what was dropped.
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
            let later = names.compactMap(WALFormat.segmentSequence).filter { $0 > sequence }.sorted()
            var lines: [String] = []
            if offset < scan.size || !later.isEmpty {
                let loss = try droppedLoss(directory: directory, sequence: sequence, segment: handle, scan: scan, offset: offset,
                                           later: later, all: names.compactMap(WALFormat.segmentSequence), fileSystem: fileSystem)
                let recorded = try LogLossMarker.record(loss, in: directory, fileSystem: fileSystem)
                lines.append("\(joinPath(directory, LogLossMarker.fileName)): log loss recorded (\(recorded)); "
                    + "the node may have acknowledged them, so it starts again only with --accept-log-loss")
            }
            lines.append("\(handle.path): truncated from \(scan.size) to \(offset) bytes")
            try handle.truncate(to: offset)
            try handle.sync()
            for sequence in later {
                let path = joinPath(directory, WALFormat.segmentName(sequence))
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

    /// What cutting at `offset` loses: the highest entry index and commit index, and the highest
    /// term, of the records with a valid header in the dropped bytes. Damaged bytes may have held
    /// more, so the index is at least one past the last entry kept.
    private static func droppedLoss(
        directory: String, sequence: UInt64, segment: any StorageFile, scan: SegmentScan, offset: UInt64,
        later: [UInt64], all: [UInt64], fileSystem: any FileSystem
    ) throws -> LogLoss {
        var dropped = scan.records.filter { $0.offset >= offset }
        var kept = scan.records.filter { $0.offset < offset }
        if scan.stop != nil {
            var scanner = try SegmentScanner(file: segment)
            dropped += try scanner.salvageRecords(from: scan.validEnd)
        }
        for other in all where other != sequence {
            let file = try fileSystem.open(joinPath(directory, WALFormat.segmentName(other)))
            defer { file.close() }
            var scanner = try SegmentScanner(file: file)
            let records = try scanner.salvageRecords(from: UInt64(WALFormat.segmentHeaderSize))
            if later.contains(other) { dropped += records } else { kept += records }
        }
        var loss = LogLoss(index: 0, term: 0)
        for record in dropped {
            let h = record.header
            switch h.type {
            case .entry:
                loss = loss.merged(with: LogLoss(index: h.index, term: h.term))
            case .hardState where record.payloadOK == true && record.payload?.count == WALFormat.hardStatePayloadSize:
                let (term, commit) = record.payload!.withUnsafeBytes { ($0.loadLE(UInt64.self, at: 0), $0.loadLE(UInt64.self, at: 16)) }
                loss = loss.merged(with: LogLoss(index: commit, term: term))
            default:
                break
            }
        }
        let lastKept = kept.filter { $0.header.type == .entry }.map(\.header.index).max() ?? 0
        return loss.merged(with: LogLoss(index: lastKept + 1, term: 0))
    }
}
