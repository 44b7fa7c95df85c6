import Raft

extension DurableLogStorage {
    public func applySnapshot(_ snapshot: Snapshot) throws(StorageError) {
        try guarded { () throws(StorageError) in
            try checkWritable()
            if snapshot.metadata.index <= snap.metadata.index { throw .snapshotOutOfDate }
            try saveSnapshotFile(snapshot)
            snap = snapshot
            var buffer: [UInt8] = []
            encodeLogStart(index: snapshot.metadata.index, term: snapshot.metadata.term, into: &buffer)
            try write(buffer)
            moveLogStart(index: snapshot.metadata.index, term: snapshot.metadata.term)
        }
    }

    public func createSnapshot(at index: UInt64, confState: ConfState, data: [UInt8]) throws(StorageError) -> Snapshot {
        try guarded { () throws(StorageError) -> Snapshot in
            try checkWritable()
            if index <= snap.metadata.index { throw .snapshotOutOfDate }
            if index > lastIndexLocked { throw .unavailable }
            let term = try termLocked(index)
            let snapshot = Snapshot(metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
            try saveSnapshotFile(snapshot)
            snap = snapshot
            return snapshot
        }
    }

    public func compact(upTo index: UInt64) throws(StorageError) {
        try guarded { () throws(StorageError) in
            try checkWritable()
            guard index > 0 else { return }
            let newDummy = index - 1
            if newDummy <= dummyIndex {
                // Nothing new to compact; finish a removal an earlier failure or crash left undone.
                try syncActive()
                try removeObsoleteSegments()
                return
            }
            if newDummy > lastIndexLocked { throw .unavailable }
            let term = try termLocked(newDummy)
            var buffer: [UInt8] = []
            encodeLogStart(index: newDummy, term: term, into: &buffer)
            try write(buffer)
            // The log start must be durable before any segment goes: recovery
            // needs it to know the removed entries were compacted, not lost.
            try syncActive()
            moveLogStart(index: newDummy, term: term)
            try removeObsoleteSegments()
        }
    }

    /// Applies a log start in memory: entries up to `index` go, and all of them
    /// unless the entry at `index` has `term` (the rule replayed at recovery).
    func moveLogStart(index: UInt64, term: UInt64) {
        if index >= dummyIndex && index <= lastIndexLocked && (try? termLocked(index)) == term {
            locations.removeFirst(Int(index - dummyIndex))
            cache.removeBefore(index + 1)
        } else {
            locations.removeAll()
            cache.removeAll()
        }
        dummyIndex = index
        dummyTerm = term
    }

    /// Removes the segments before the one holding the first retained entry, oldest
    /// first (so a failure half-way leaves no gap). The directory listing decides, so
    /// that a removal that failed earlier is retried.
    func removeObsoleteSegments() throws(StorageError) {
        let keepFrom = locations.first?.segment ?? activeSequence
        do {
            let obsolete = try fileSystem.list(directory).compactMap(WALFormat.segmentSequence)
                .filter { $0 < keepFrom && $0 != activeSequence }.sorted()
            guard !obsolete.isEmpty else { return }
            pageCache?.forget(before: keepFrom)
            for sequence in obsolete {
                try fileSystem.remove(segmentPath(sequence))
                guard let file = segmentFiles.removeValue(forKey: sequence) else { continue }
                // The close frees the file's blocks (tens of ms for a full segment): not under the lock.
                if options.closesRemovedSegmentsInBackground { retiredFiles.retire(file) } else { file.close() }
            }
            try fileSystem.syncDirectory(directory)
        } catch {
            throw error.storageError
        }
    }

    /// Writes a snapshot file durably (see ``SnapshotFile/save(_:in:fileSystem:)``).
    func saveSnapshotFile(_ snapshot: Snapshot) throws(StorageError) {
        do { try SnapshotFile.save(snapshot, in: directory, fileSystem: fileSystem) } catch { throw error.storageError }
    }
}
