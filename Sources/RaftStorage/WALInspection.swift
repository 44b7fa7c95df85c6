import Raft

/// A read-only listing of a log directory, for a person debugging a node
/// (`raftcast wal dump`). Nothing is changed on disk, and every payload CRC is checked.
public struct WALInspection: Sendable {
    /// One record of a segment.
    public struct Record: Sendable, Hashable {
        public var offset: UInt64
        public var type: RecordType
        public var index: UInt64
        public var term: UInt64
        /// The entry kind, for entry records.
        public var kind: EntryKind?
        /// Payload bytes.
        public var size: UInt32
        public var crcOK: Bool
        /// The decoded payload of a hard state record ("term 2 vote 3 commit 4").
        public var detail: String?
    }

    /// One segment file.
    public struct Segment: Sendable {
        public var name: String
        public var size: UInt64
        /// The header, or why it is bad.
        public var header: Result<SegmentHeader, SegmentHeaderProblem>
        public var records: [Record]
        /// Where and why the scan stopped before the end of the file.
        public var stop: SegmentScan.Stop?
    }

    /// One snapshot file.
    public struct SnapshotFileInfo: Sendable {
        public var name: String
        public var size: UInt64
        /// The metadata and data size, or why the file is bad.
        public var contents: Result<(metadata: SnapshotMetadata, dataSize: Int), SnapshotProblem>
    }

    public var directory: String
    public var segments: [Segment] = []
    public var snapshots: [SnapshotFileInfo] = []
    /// The last hard state record found.
    public var hardState: HardState?
    /// Files that are neither segments nor snapshots.
    public var otherFiles: [String] = []
    /// The log-loss marker (``LogLossMarker``): what it records, or why it is bad.
    public var logLoss: Result<LogLoss, SnapshotProblem>?

    /// The first damage found, in one line naming the file and offset (nil for
    /// an intact directory): a bad segment header, a segment whose scan stopped
    /// (torn tail or corruption), a bad snapshot or log-loss marker.
    public var damage: String? {
        for segment in segments {
            let path = joinPath(directory, segment.name)
            if case let .failure(problem) = segment.header { return "\(path): bad segment header at offset 0: \(problem)" }
            if let stop = segment.stop {
                if stop.isTornTail { return "\(path): torn tail at offset \(stop.offset) (recovery cuts it off): \(stop.reason)" }
                return "\(path): corrupt at offset \(stop.offset): \(stop.reason)"
                    + (stop.nextValidRecord.map { "; a valid record follows at offset \($0)" } ?? "")
            }
        }
        for snapshot in snapshots {
            if case let .failure(problem) = snapshot.contents {
                return "\(joinPath(directory, snapshot.name)): bad snapshot at offset \(problem.offset): \(problem.reason)"
            }
        }
        if case let .failure(problem)? = logLoss {
            return "\(joinPath(directory, LogLossMarker.fileName)): bad marker at offset \(problem.offset): \(problem.reason)"
        }
        return nil
    }

    /// Reads the directory. Fails only if it cannot be listed or a file cannot be read.
    public static func inspect(directory: String, fileSystem: any FileSystem = POSIXFileSystem.shared) throws(WALError) -> WALInspection {
        guard fileSystem.isDirectory(directory) else {
            throw .io(FileSystemError(path: directory, reason: "not a directory (or does not exist)"))
        }
        var result = WALInspection(directory: directory)
        do {
            for name in try fileSystem.list(directory) {
                let path = joinPath(directory, name)
                if WALFormat.segmentSequence(name) != nil {
                    let file = try fileSystem.open(path)
                    defer { file.close() }
                    let scan = try SegmentScanner.scan(file: file, verifyPayloads: true)
                    var records: [Record] = []
                    for r in scan.records {
                        var record = Record(offset: r.offset, type: r.header.type, index: r.header.index, term: r.header.term,
                                            kind: r.header.type == .entry ? EntryKind(rawValue: r.header.kind) : nil,
                                            size: r.header.length, crcOK: r.payloadOK ?? false)
                        if r.header.type == .hardState, let p = r.payload, p.count == WALFormat.hardStatePayloadSize {
                            let hs = p.withUnsafeBytes {
                                HardState(term: $0.loadLE(UInt64.self, at: 0), vote: $0.loadLE(UInt64.self, at: 8), commit: $0.loadLE(UInt64.self, at: 16))
                            }
                            result.hardState = hs
                            record.detail = "term \(hs.term) vote \(hs.vote) commit \(hs.commit)"
                        }
                        records.append(record)
                    }
                    result.segments.append(Segment(name: name, size: scan.size, header: scan.header, records: records, stop: scan.stop))
                } else if WALFormat.snapshotPosition(name) != nil {
                    let file = try fileSystem.open(path)
                    defer { file.close() }
                    let size = try file.size()
                    let bytes = try file.read(count: Int(size), at: 0)
                    let contents = SnapshotFile.decode(bytes).map { (metadata: $0.metadata, dataSize: $0.data.count) }
                    result.snapshots.append(SnapshotFileInfo(name: name, size: size, contents: contents))
                } else if name == LogLossMarker.fileName {
                    let file = try fileSystem.open(path)
                    defer { file.close() }
                    result.logLoss = LogLossMarker.decode(try file.read(count: Int(min(try file.size(), 4096)), at: 0))
                } else if name != FileLock.fileName {
                    result.otherFiles.append(name)
                }
            }
        } catch {
            throw .io(error)
        }
        return result
    }

    /// The listing as text, one line per record.
    public func render() -> String {
        var lines: [String] = ["directory \(directory)"]
        let entryRecords = segments.flatMap(\.records).filter { $0.type == .entry }
        let bad = segments.filter { $0.stop != nil || (try? $0.header.get()) == nil }.map(\.name)
        lines.append("segments \(segments.count), entry records \(entryRecords.count)"
            + (entryRecords.isEmpty ? "" : " (indices \(entryRecords.map(\.index).min()!)...\(entryRecords.map(\.index).max()!))")
            + (bad.isEmpty ? ", all records valid" : ", damaged: \(bad.joined(separator: ", "))"))
        if let hs = hardState {
            lines.append("hard state: term \(hs.term) vote \(hs.vote) commit \(hs.commit)")
        } else {
            lines.append("hard state: none")
        }
        for s in snapshots {
            switch s.contents {
            case let .success(c):
                lines.append("snapshot \(s.name): index \(c.metadata.index) term \(c.metadata.term) voters \(c.metadata.confState.voters) learners \(c.metadata.confState.learners) data \(c.dataSize) bytes, crc ok")
            case let .failure(p):
                lines.append("snapshot \(s.name): BAD at offset \(p.offset): \(p.reason)")
            }
        }
        for seg in segments {
            switch seg.header {
            case let .success(h):
                lines.append("segment \(seg.name): sequence \(h.sequence) version \(h.version) size \(seg.size) records \(seg.records.count)")
            case let .failure(p):
                lines.append("segment \(seg.name): size \(seg.size) BAD HEADER: \(p)")
            }
            lines.append("  offset      type        index        term  kind         size  crc")
            for r in seg.records {
                let kind = r.kind.map { $0 == .normal ? "normal" : "conf" } ?? "-"
                lines.append("  " + [pad(r.offset, 10), padText(r.type.description, 10), pad(r.index, 12), pad(r.term, 11),
                                     padText(kind, 6), pad(UInt64(r.size), 12), r.crcOK ? "  ok" : "  BAD"].joined(separator: " ")
                             + (r.detail.map { "   (\($0))" } ?? ""))
            }
            if let stop = seg.stop {
                let where_ = stop.nextValidRecord.map { "corruption: a valid record follows at offset \($0)" }
                    ?? (stop.tornWrite ? "torn tail (recovery truncates it)" : "corruption: a complete record that fails its check (recovery refuses it)")
                lines.append("  STOP at offset \(stop.offset): \(stop.reason) — \(where_)")
            }
        }
        switch logLoss {
        case .success(let loss)?:
            lines.append("log-loss marker: \(loss) may have been acknowledged; the node starts only with --accept-log-loss")
        case .failure(let problem)?:
            lines.append("log-loss marker: BAD at offset \(problem.offset): \(problem.reason)")
        case nil:
            break
        }
        for name in otherFiles { lines.append("other file: \(name)") }
        return lines.joined(separator: "\n")
    }

    private func pad(_ v: UInt64, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }

    private func padText(_ s: String, _ width: Int) -> String {
        s + String(repeating: " ", count: max(0, width - s.count))
    }
}
