import Raft

extension DurableLogStorage {
    public func append(_ newEntries: [Entry]) throws(StorageError) {
        try guarded { () throws(StorageError) in
            try checkWritable()
            guard let first = newEntries.first else { return }
            var toAppend = newEntries[...]
            if first.index <= dummyIndex {
                let skip = Int(dummyIndex + 1 - first.index)
                if skip >= toAppend.count { return }
                toAppend = toAppend.dropFirst(skip)
            }
            let start = toAppend.first!.index
            if start > lastIndexLocked + 1 {
                throw .io("\(directory): append leaves a gap: last index \(lastIndexLocked), appending \(start)")
            }
            var buffer: [UInt8] = []
            var pending: [(Entry, Location)] = []
            for entry in toAppend {
                let recordSize = WALFormat.recordSize(payloadLength: entry.data.count)
                if activeEntries > 0 && activeOffset + UInt64(buffer.count + recordSize) > options.segmentSize {
                    try flush(&buffer, &pending)
                    try rotate()
                }
                let crc = CRC32C.checksum(entry.data)
                let payloadOffset = activeOffset + UInt64(buffer.count + WALFormat.recordHeaderSize)
                RecordHeader(length: UInt32(entry.data.count), type: .entry, kind: entry.kind.rawValue,
                             index: entry.index, term: entry.term, payloadCRC: crc).encode(into: &buffer)
                buffer.append(contentsOf: entry.data)
                pad(&buffer)
                pending.append((entry, Location(term: entry.term, segment: activeSequence, offset: payloadOffset,
                                                length: UInt32(entry.data.count), crc: crc, kind: entry.kind)))
                activeEntries += 1
            }
            try flush(&buffer, &pending)
        }
    }

    public func setHardState(_ state: HardState) throws(StorageError) {
        try guarded { () throws(StorageError) in
            try checkWritable()
            var buffer: [UInt8] = []
            encodeHardState(state, into: &buffer)
            try write(buffer)
            hardState = state
        }
    }

    public func sync() throws(StorageError) {
        try guarded { () throws(StorageError) in
            try checkWritable()
            try syncActive()
        }
    }

    // MARK: - Internals (the lock is held)

    func checkWritable() throws(StorageError) {
        if let failure { throw .io("\(directory): storage failed earlier, refusing writes: \(failure)") }
    }

    /// fdatasync of the active segment if anything was written since the last one;
    /// a failure latches the storage.
    func syncActive() throws(StorageError) {
        guard unsynced, let file = segmentFiles[activeSequence] else { return }
        do {
            try file.dataSync()
        } catch {
            failure = "sync failed: \(error)"
            throw error.storageError
        }
        unsynced = false
    }

    /// Writes `buffer` at the end of the active segment, then records `pending` in the index.
    func flush(_ buffer: inout [UInt8], _ pending: inout [(Entry, Location)]) throws(StorageError) {
        guard !buffer.isEmpty else { return }
        try write(buffer)
        for (entry, location) in pending {
            let position = Int(entry.index - dummyIndex - 1)
            if position < locations.count { locations.removeSubrange(position...) }
            locations.append(location)
            cache.append(entry)
        }
        buffer.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes at the end of the active segment. A failed write is cut back off the
    /// file (so the log stays well-formed); if even that fails, the storage latches.
    func write(_ buffer: [UInt8]) throws(StorageError) {
        guard let file = segmentFiles[activeSequence] else { throw .io("\(segmentPath(activeSequence)): segment not open") }
        do {
            try file.write(buffer, at: activeOffset)
        } catch {
            do {
                try file.truncate(to: activeOffset)
            } catch let cut {
                failure = "write failed (\(error)) and could not be undone (\(cut))"
            }
            throw error.storageError
        }
        activeOffset += UInt64(buffer.count)
        unsynced = true
    }

    /// Starts segment `active + 1`: created with its header and synced, the
    /// directory synced, then the old segment sealed and synced, then the head
    /// records (hard state, log start) written into the new one. Any failure latches.
    func rotate() throws(StorageError) {
        let next = activeSequence + 1
        let path = segmentPath(next)
        guard let old = segmentFiles[activeSequence] else { throw .io("\(segmentPath(activeSequence)): segment not open") }
        do {
            let file = try fileSystem.create(path)
            try file.write(SegmentHeader(sequence: next).encoded, at: 0)
            try file.dataSync()
            try fileSystem.syncDirectory(directory)
            var seal: [UInt8] = []
            RecordHeader(length: 0, type: .seal, index: next, payloadCRC: CRC32C.checksum([UInt8]())).encode(into: &seal)
            try old.write(seal, at: activeOffset)
            try old.dataSync()
            segmentFiles[next] = file
        } catch {
            failure = "segment rotation failed: \(error)"
            throw error.storageError
        }
        activeSequence = next
        activeOffset = UInt64(WALFormat.segmentHeaderSize)
        activeEntries = 0
        unsynced = false
        try writeHeadRecords()
    }

    /// The hard state and log start that begin every segment.
    func writeHeadRecords() throws(StorageError) {
        var buffer: [UInt8] = []
        encodeHardState(hardState, into: &buffer)
        encodeLogStart(index: dummyIndex, term: dummyTerm, into: &buffer)
        try write(buffer)
    }

    func encodeHardState(_ state: HardState, into buffer: inout [UInt8]) {
        var payload: [UInt8] = []
        payload.appendLE(state.term)
        payload.appendLE(state.vote)
        payload.appendLE(state.commit)
        RecordHeader(length: UInt32(payload.count), type: .hardState, payloadCRC: CRC32C.checksum(payload)).encode(into: &buffer)
        buffer.append(contentsOf: payload)
        pad(&buffer)
    }

    func encodeLogStart(index: UInt64, term: UInt64, into buffer: inout [UInt8]) {
        RecordHeader(length: 0, type: .logStart, index: index, term: term, payloadCRC: CRC32C.checksum([UInt8]())).encode(into: &buffer)
    }

    func pad(_ buffer: inout [UInt8]) {
        let extra = buffer.count % WALFormat.recordAlignment
        if extra != 0 { buffer.append(contentsOf: repeatElement(0, count: WALFormat.recordAlignment - extra)) }
    }
}
