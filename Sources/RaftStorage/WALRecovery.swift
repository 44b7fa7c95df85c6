import Raft

/// What recovery hands to ``DurableLogStorage``.
struct RecoveredState {
    var hardState = HardState()
    var snapshot: Snapshot
    var dummyIndex: UInt64 = 0
    var dummyTerm: UInt64 = 0
    var locations: [DurableLogStorage.Location] = []
    var segmentFiles: [UInt64: any StorageFile] = [:]
    var activeSequence: UInt64 = 0
    var activeOffset: UInt64 = 0
    var activeEntries = 0
    var activeHasRecords = false
    var directoryLock: FileLock?
    var logLoss: LogLoss?
}

/// Opens a log directory: loads the newest snapshot, scans the segments in
/// order, replays their records into an index, cuts off a torn tail, and
/// rejects damage that a crash cannot explain.
struct WALRecovery {
    let directory: String
    let fileSystem: any FileSystem
    let options: DurableLogStorage.Options
    let initialConfState: ConfState
    var report = RecoveryReport()

    /// Replay state: `locations[i]` is entry `base + i`; `base > dummyIndex + 1`
    /// means entries are missing between the log start and `base` (a hole that a
    /// later log start or the snapshot must cover).
    private var base: UInt64 = 1

    init(directory: String, fileSystem: any FileSystem, options: DurableLogStorage.Options, initialConfState: ConfState) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
        self.initialConfState = initialConfState
    }

    private func path(_ name: String) -> String { joinPath(directory, name) }

    private func io<T>(_ body: () throws -> T) throws(WALError) -> T {
        do {
            return try body()
        } catch let error as FileSystemError {
            throw .io(error)
        } catch {
            throw .io(FileSystemError(path: directory, reason: "\(error)"))
        }
    }

    mutating func run() throws(WALError) -> RecoveredState {
        if !fileSystem.isDirectory(directory) { try io { try fileSystem.makeDirectory(directory) } }
        var state = RecoveredState(snapshot: Snapshot(metadata: SnapshotMetadata(confState: initialConfState)))
        state.directoryLock = try io { try fileSystem.lockFile(path(FileLock.fileName)) }
        var names = try io { try fileSystem.list(directory) }.filter { $0 != FileLock.fileName }

        // Unfinished files of a crash.
        let temporaries = names.filter { $0.hasSuffix(".tmp") }
        for name in temporaries {
            try io { try fileSystem.remove(path(name)) }
            report.warnings.append("\(path(name)): removed unfinished file")
        }
        if !temporaries.isEmpty { try io { try fileSystem.syncDirectory(directory) } }
        names.removeAll { $0.hasSuffix(".tmp") }
        names.removeAll { $0 == LogLossMarker.fileName }
        state.logLoss = try LogLossMarker.read(in: directory, fileSystem: fileSystem)
        for name in names where WALFormat.segmentSequence(name) == nil && WALFormat.snapshotPosition(name) == nil {
            report.warnings.append("\(path(name)): unknown file ignored")
        }

        // The newest snapshot.
        if let newest = names.compactMap({ n in WALFormat.snapshotPosition(n).map { (n, $0) } }).max(by: { $0.1.index < $1.1.index }) {
            let file = try io { try fileSystem.open(path(newest.0)) }
            defer { file.close() }
            let bytes = try io { try file.read(count: Int(try file.size()), at: 0) }
            switch SnapshotFile.decode(bytes) {
            case let .success(snapshot):
                guard snapshot.metadata.index == newest.1.index, snapshot.metadata.term == newest.1.term else {
                    throw .corruption(file: file.path, offset: 24, reason: "snapshot holds index \(snapshot.metadata.index) term \(snapshot.metadata.term), its name says otherwise")
                }
                state.snapshot = snapshot
            case let .failure(problem):
                throw .corruption(file: file.path, offset: problem.offset, reason: "bad snapshot: \(problem.reason)")
            }
        }

        // A brand-new log records its initial membership as an empty snapshot at index 0.
        if !names.contains(where: { WALFormat.segmentSequence($0) != nil || WALFormat.snapshotPosition($0) != nil }),
           initialConfState != ConfState() {
            try io { try SnapshotFile.save(state.snapshot, in: directory, fileSystem: fileSystem) }
        }

        // Segments: consecutive sequence numbers.
        var sequences = names.compactMap(WALFormat.segmentSequence).sorted()
        for (a, b) in zip(sequences, sequences.dropFirst()) where b != a + 1 {
            throw .corruption(file: path(WALFormat.segmentName(a + 1)), offset: 0,
                              reason: "segment missing (\(WALFormat.segmentName(a)) is followed by \(WALFormat.segmentName(b)))")
        }

        // An unfinished last segment (crash while creating it) holds nothing: remove it.
        if let last = sequences.last {
            let file = try io { try fileSystem.open(path(WALFormat.segmentName(last))) }
            let size = try io { try file.size() }
            let header = SegmentHeader.decode(try io { try file.read(count: WALFormat.segmentHeaderSize, at: 0) })
            file.close()
            if case let .failure(problem) = header, size <= UInt64(WALFormat.segmentHeaderSize) {
                try io { try fileSystem.remove(file.path) }
                try io { try fileSystem.syncDirectory(directory) }
                report.warnings.append("\(file.path): removed unfinished segment (\(problem))")
                sequences.removeLast()
            }
        }

        // Segments are never all removed (the active one stays): none beside a real snapshot means they were lost.
        if sequences.isEmpty && state.snapshot.metadata.index > 0 {
            throw .corruption(file: path(WALFormat.segmentName(1)), offset: 0,
                              reason: "no segment files, but a snapshot at index \(state.snapshot.metadata.index) exists: the log (and its hard state) is lost")
        }

        // Scan every segment.
        var scans: [SegmentScan] = []
        for (position, sequence) in sequences.enumerated() {
            let isLast = position == sequences.count - 1
            let file = try io { try fileSystem.open(path(WALFormat.segmentName(sequence))) }
            state.segmentFiles[sequence] = file
            let scan = try io { try SegmentScanner.scan(file: file, verifyPayloads: options.verifyAllPayloadsAtOpen || isLast) }
            switch scan.header {
            case let .failure(problem):
                throw .corruption(file: file.path, offset: 0, reason: problem.description)
            case let .success(header) where header.sequence != sequence:
                throw .corruption(file: file.path, offset: 16, reason: "header holds sequence \(header.sequence), the name says \(sequence)")
            default: break
            }
            if let stop = scan.stop, let next = stop.nextValidRecord {
                throw .corruption(file: file.path, offset: stop.offset,
                                  reason: "\(stop.reason); a valid record follows at offset \(next)" + repairHint(file.path, stop.offset))
            }
            if let stop = scan.stop, !stop.tornWrite {
                // A complete record that fails its check is not what a crash mid-append leaves: cutting it
                // silently could drop entries this node acknowledged. The operator decides (wal repair).
                throw .corruption(file: file.path, offset: stop.offset,
                                  reason: "\(stop.reason) in a complete record at the end of the log: damage, not a torn write"
                                      + repairHint(file.path, stop.offset))
            }
            report.segments += 1
            report.bytes += scan.size
            report.payloadsVerified += scan.records.filter { $0.header.type == RecordType.entry && $0.payloadOK == true }.count
            scans.append(scan)
        }

        // A torn tail is a crash mid-write: only where nothing was written after it.
        for (position, scan) in scans.enumerated() {
            guard let stop = scan.stop else { continue }
            if let later = scans[(position + 1)...].first(where: { !$0.records.isEmpty }) {
                throw .corruption(file: scan.path, offset: stop.offset, reason: "\(stop.reason); later segment \(later.path) holds records")
            }
        }

        // Replay.
        var lastHardState: HardState?
        for (position, scan) in scans.enumerated() {
            let sequence = sequences[position]
            for (n, record) in scan.records.enumerated() {
                let h = record.header
                switch h.type {
                case .entry:
                    guard let kind = EntryKind(rawValue: h.kind) else {
                        throw .corruption(file: scan.path, offset: record.offset + 5, reason: "unknown entry kind \(h.kind) (entry \(h.index))")
                    }
                    replayEntry(index: h.index, DurableLogStorage.Location(
                        term: h.term, segment: sequence, offset: record.offset + UInt64(WALFormat.recordHeaderSize),
                        length: h.length, crc: h.payloadCRC, kind: kind), &state)
                case .hardState:
                    guard let p = record.payload, p.count == WALFormat.hardStatePayloadSize else {
                        throw .corruption(file: scan.path, offset: record.offset, reason: "hard state record of \(h.length) bytes (expected 24)")
                    }
                    lastHardState = p.withUnsafeBytes { HardState(term: $0.loadLE(UInt64.self, at: 0), vote: $0.loadLE(UInt64.self, at: 8), commit: $0.loadLE(UInt64.self, at: 16)) }
                case .logStart:
                    replayLogStart(index: h.index, term: h.term, &state)
                case .seal:
                    if n != scan.records.count - 1 {
                        throw .corruption(file: scan.path, offset: scan.records[n + 1].offset, reason: "record after the seal of the segment")
                    }
                    if position == scans.count - 1 {
                        throw .corruption(file: path(WALFormat.segmentName(h.index)), offset: 0,
                                          reason: "segment missing: \(WALFormat.segmentName(sequence)) is sealed, so its successor existed")
                    }
                }
            }
        }
        if let lastHardState { state.hardState = lastHardState }

        // The snapshot covers what the log may lack (an applied snapshot whose log start was not yet synced).
        let snap = state.snapshot.metadata
        if snap.index > state.dummyIndex {
            let last = base + UInt64(state.locations.count) - 1
            let matches = snap.index >= base && snap.index <= last && state.locations[Int(snap.index - base)].term == snap.term
            if base > state.dummyIndex + 1 || !matches { replayLogStart(index: snap.index, term: snap.term, &state) }
        }
        if base > state.dummyIndex + 1 {
            throw .corruption(file: scans.first.map(\.path) ?? directory, offset: UInt64(WALFormat.segmentHeaderSize),
                              reason: "entries \(state.dummyIndex + 1)...\(base - 1) are missing (an earlier segment was lost)")
        }

        // Cut torn tails off.
        for scan in scans {
            guard let stop = scan.stop else { continue }
            let file = state.segmentFiles[sequences[scans.firstIndex(where: { $0.path == scan.path })!]]!
            try io { try file.truncate(to: scan.validEnd) }
            try io { try file.dataSync() }
            report.truncatedTails.append(.init(file: scan.path, offset: scan.validEnd, droppedBytes: scan.size - scan.validEnd, reason: stop.reason))
        }
        report.entries = state.locations.count

        // The active segment: the last one, or a new first one.
        if let last = sequences.last, let scan = scans.last {
            state.activeSequence = last
            state.activeOffset = scan.validEnd
            state.activeEntries = scan.records.filter { $0.header.type == .entry }.count
            state.activeHasRecords = !scan.records.isEmpty
        } else {
            let sequence: UInt64 = 1
            let file = try io { try fileSystem.create(path(WALFormat.segmentName(sequence))) }
            try io { try file.write(SegmentHeader(sequence: sequence).encoded, at: 0) }
            try io { try file.dataSync() }
            try io { try fileSystem.syncDirectory(directory) }
            state.segmentFiles[sequence] = file
            state.activeSequence = sequence
            state.activeOffset = UInt64(WALFormat.segmentHeaderSize)
        }
        return state
    }

    /// How an operator cuts the log at a damaged record (dropping it and what follows).
    private func repairHint(_ path: String, _ offset: UInt64) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return "; to cut the log there (losing that record and all after it): raftcast wal repair \(directory) --truncate-at \(name):\(offset) --yes"
    }

    private mutating func replayEntry(index: UInt64, _ location: DurableLogStorage.Location, _ state: inout RecoveredState) {
        if index <= state.dummyIndex { return }
        let last = base + UInt64(state.locations.count) - 1
        if index < base || index > last + 1 {
            state.locations = [location]
            base = index
        } else {
            state.locations.removeSubrange(Int(index - base)...)
            state.locations.append(location)
        }
    }

    /// The rule of ``DurableLogStorage/moveLogStart(index:term:)``, plus holes.
    private mutating func replayLogStart(index: UInt64, term: UInt64, _ state: inout RecoveredState) {
        let last = base + UInt64(state.locations.count) - 1
        if index > state.dummyIndex && index < base {
            // Inside a hole: entries from `base` on follow it (or the hole stays).
        } else if index >= base && index <= last && state.locations[Int(index - base)].term == term {
            state.locations.removeFirst(Int(index - base + 1))
            base = index + 1
        } else if index == state.dummyIndex && term == state.dummyTerm {
            // Same log start again (the head of a segment).
        } else {
            state.locations.removeAll()
            base = index + 1
        }
        state.dummyIndex = index
        state.dummyTerm = term
    }
}
