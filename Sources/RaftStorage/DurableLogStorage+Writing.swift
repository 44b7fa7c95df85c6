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
            if let huge = toAppend.first(where: { $0.data.count > Int(WALFormat.maxPayloadSize) }) {
                throw .io("\(directory): entry \(huge.index) has \(huge.data.count) bytes, more than the record limit \(WALFormat.maxPayloadSize)")
            }
            let start = toAppend.first!.index
            for (offset, entry) in toAppend.enumerated() where entry.index != start + UInt64(offset) {
                throw .io("\(directory): append of non-consecutive entries (\(entry.index) after \(start + UInt64(offset) - 1))")
            }
            if start > lastIndexLocked + 1 {
                throw .io("\(directory): append leaves a gap: last index \(lastIndexLocked), appending \(start)")
            }
            // Small payloads are copied into one buffer (one write per call); large
            // ones are written straight from the entry's memory (no copy).
            var buffer: [UInt8] = []
            buffer.reserveCapacity(min(1 << 20, toAppend.reduce(0) { $0 + WALFormat.recordSize(payloadLength: $1.data.count) }))
            var pending: [(Entry, Location)] = []
            var cursor = activeOffset
            for entry in toAppend {
                let recordSize = WALFormat.recordSize(payloadLength: entry.data.count)
                if activeEntries > 0 && cursor + UInt64(buffer.count + recordSize) > options.segmentSize {
                    try writeBuffer(&buffer, &cursor)
                    commit(cursor, &pending)
                    try rotate()
                    cursor = activeOffset
                }
                let crc = CRC32C.checksum(entry.data)
                RecordHeader(length: UInt32(entry.data.count), type: .entry, kind: entry.kind.rawValue,
                             index: entry.index, term: entry.term, payloadCRC: crc).encode(into: &buffer)
                let payloadOffset = cursor + UInt64(buffer.count)
                if entry.data.count >= DurableLogStorage.directWriteThreshold {
                    try writeBuffer(&buffer, &cursor)
                    try entry.data.withUnsafeBytes { raw in
                        Result { () throws(StorageError) in try writeAt(raw, &cursor) }
                    }.get()
                } else {
                    buffer.append(contentsOf: entry.data)
                }
                padRecord(&buffer, payloadLength: entry.data.count)
                if buffer.count >= DurableLogStorage.writeBufferSize { try writeBuffer(&buffer, &cursor) }
                pending.append((entry, Location(term: entry.term, segment: activeSequence, offset: payloadOffset,
                                                length: UInt32(entry.data.count), crc: crc, kind: entry.kind)))
                activeEntries += 1
            }
            try writeBuffer(&buffer, &cursor)
            commit(cursor, &pending)
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
        dropSyncedPages(sequence: activeSequence, through: activeOffset)
    }

    /// Segment `sequence` is synced through `end`: drops what fell behind the page-cache window.
    func dropSyncedPages(sequence: UInt64, through end: UInt64) {
        for range in pageCache?.synced(sequence: sequence, through: end) ?? [] {
            segmentFiles[range.sequence]?.dropCachedPages(from: range.from, to: range.to)
        }
    }

    /// Payloads of at least this many bytes are written from the entry's own memory.
    static let directWriteThreshold = 64 << 10
    /// Smaller records are gathered into writes of about this size.
    static let writeBufferSize = 1 << 20

    /// Marks `[activeOffset, cursor)` as written, and records `pending` in the index and cache.
    func commit(_ cursor: UInt64, _ pending: inout [(Entry, Location)]) {
        if cursor != activeOffset { unsynced = true }
        activeOffset = cursor
        for (entry, location) in pending {
            let position = Int(entry.index - dummyIndex - 1)
            if position < locations.count { locations.removeSubrange(position...) }
            locations.append(location)
            cache.append(entry)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes `buffer` at `cursor` (then empties it and advances the cursor).
    func writeBuffer(_ buffer: inout [UInt8], _ cursor: inout UInt64) throws(StorageError) {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in
            Result { () throws(StorageError) in try writeAt(raw, &cursor) }
        }.get()
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes at `cursor` in the active segment. On failure, everything written
    /// since `activeOffset` (the last committed end) is cut back off the file, so
    /// the log stays well-formed; if even that fails, the storage latches.
    func writeAt(_ bytes: UnsafeRawBufferPointer, _ cursor: inout UInt64) throws(StorageError) {
        guard let file = segmentFiles[activeSequence] else { throw .io("\(segmentPath(activeSequence)): segment not open") }
        do {
            try file.write(bytes, at: cursor)
        } catch {
            do {
                try file.truncate(to: activeOffset)
            } catch let cut {
                failure = "write failed (\(error)) and could not be undone (\(cut))"
            }
            throw error.storageError
        }
        cursor += UInt64(bytes.count)
    }

    /// Writes whole records at the end of the active segment.
    func write(_ buffer: [UInt8]) throws(StorageError) {
        var cursor = activeOffset
        var pending: [(Entry, Location)] = []
        try buffer.withUnsafeBytes { raw in
            Result { () throws(StorageError) in try writeAt(raw, &cursor) }
        }.get()
        commit(cursor, &pending)
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
            dropSyncedPages(sequence: activeSequence, through: activeOffset + UInt64(seal.count))
            segmentFiles[next] = file
        } catch {
            failure = "segment rotation failed: \(error)"
            throw error.storageError
        }
        activeSequence = next
        activeOffset = UInt64(WALFormat.segmentHeaderSize)
        activeEntries = 0
        unsynced = false
        do {
            try writeHeadRecords()
        } catch {
            // A segment without its head records must not outlive the older ones: stop here.
            failure = "segment rotation failed: \(error)"
            throw error
        }
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
        padRecord(&buffer, payloadLength: payload.count)
    }

    func encodeLogStart(index: UInt64, term: UInt64, into buffer: inout [UInt8]) {
        RecordHeader(length: 0, type: .logStart, index: index, term: term, payloadCRC: CRC32C.checksum([UInt8]())).encode(into: &buffer)
    }

    /// Appends the zero padding that follows a payload of `payloadLength` bytes.
    func padRecord(_ buffer: inout [UInt8], payloadLength: Int) {
        let padding = WALFormat.recordSize(payloadLength: payloadLength) - WALFormat.recordHeaderSize - payloadLength
        if padding > 0 { buffer.append(contentsOf: repeatElement(0, count: padding)) }
    }
}
