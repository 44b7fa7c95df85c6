import Foundation
import Raft

/// The durable Raft log: a segmented append-only write-ahead log of entries,
/// hard states and log-start marks (format in ``WALFormat``), plus snapshot
/// files (``SnapshotFile``), in one directory, through a ``FileSystem`` seam.
///
/// - Group commit: ``append(_:)`` and ``setHardState(_:)`` write (not sync);
///   ``sync()`` makes all of them durable with one `fdatasync` of the active segment.
/// - Memory: an index (entry → segment, offset, length, term, CRC) and a cache of
///   recent payloads bounded by ``Options/cacheBytes``; older payloads are read
///   from disk on demand and their CRC checked on every read.
/// - Failure: a failed write is undone (the file is cut back) and reported; a
///   failed sync latches the storage: every later write fails, since what reached
///   the disk is unknown.
///
/// Thread-safe (one lock), hence `Sendable`.
public final class DurableLogStorage: MutableLogStorage, @unchecked Sendable {
    /// Where an entry's payload lives.
    struct Location {
        var term: UInt64
        var segment: UInt64
        /// Offset of the payload (after the record header).
        var offset: UInt64
        var length: UInt32
        var crc: UInt32
        var kind: EntryKind
    }

    /// The log directory.
    public let directory: String
    /// The file system it lives on.
    public let fileSystem: any FileSystem
    /// The options it was opened with.
    public let options: Options
    /// What opening the directory found (torn tails cut off, warnings): log it.
    public let recoveryReport: RecoveryReport

    let lock = NSLock()
    var hardState: HardState
    var snap: Snapshot
    var dummyIndex: UInt64
    var dummyTerm: UInt64
    /// `locations[i]` is the entry at `dummyIndex + 1 + i`.
    var locations: [Location]
    var cache: EntryCache
    var segmentFiles: [UInt64: any StorageFile]
    var activeSequence: UInt64
    var activeOffset: UInt64
    var activeEntries: Int
    var unsynced = false
    /// What to drop from the page cache after a sync (nil: nothing; see ``Options/pageCacheWindow``).
    var pageCache: PageCacheTrimmer?
    /// Set after a failure that leaves the disk state unknown; every write then fails.
    var failure: String?
    /// The directory lock, held while the storage is open.
    let directoryLock: FileLock?
    /// The log-loss marker found at open or recorded since (see ``logLoss``).
    var markedLogLoss: LogLoss?
    /// Closes removed segments' handles beside the write path (see ``Options/closesRemovedSegmentsInBackground``).
    let retiredFiles = RetiredFileCloser()

    /// Opens (creating if needed) the log in `directory`, recovering from a crash:
    /// a torn record at the tail is cut off and reported in ``recoveryReport``;
    /// damage that a crash cannot explain throws ``WALError/corruption(file:offset:reason:)``.
    /// `confState` is the membership of a brand-new log (ignored once a snapshot exists).
    public init(directory: String, fileSystem: any FileSystem = POSIXFileSystem.shared,
                options: Options = Options(), confState: ConfState = ConfState()) throws(WALError) {
        var recovery = WALRecovery(directory: directory, fileSystem: fileSystem, options: options, initialConfState: confState)
        let state = try recovery.run()
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
        self.recoveryReport = recovery.report
        self.hardState = state.hardState
        self.snap = state.snapshot
        self.dummyIndex = state.dummyIndex
        self.dummyTerm = state.dummyTerm
        self.locations = state.locations
        self.cache = EntryCache(budget: options.cacheBytes)
        self.segmentFiles = state.segmentFiles
        self.activeSequence = state.activeSequence
        self.activeOffset = state.activeOffset
        self.activeEntries = state.activeEntries
        self.directoryLock = state.directoryLock
        self.markedLogLoss = state.logLoss
        self.pageCache = options.pageCacheWindow.map(PageCacheTrimmer.init(window:))
        if !state.activeHasRecords {
            // A fresh segment (new log, or a crash right after a rotation): it must
            // start with the hard state and log start, like every segment.
            do { try writeHeadRecords() } catch { throw WALError.io(FileSystemError(path: directory, reason: "\(error)")) }
        }
    }

    deinit {
        for file in segmentFiles.values { file.close() }
    }

    /// Closes the files (removed segments' too, once their background close is done) and releases the
    /// directory lock; every later write fails. (Dropping the storage does the same, without the wait.)
    public func close() {
        lock.withLock {
            for file in segmentFiles.values { file.close() }
            segmentFiles.removeAll()
            failure = failure ?? "closed"
            retiredFiles.waitUntilIdle()
            directoryLock?.unlock()
        }
    }

    /// Waits until the handles of removed segments are closed (they are closed in the background
    /// when ``Options/closesRemovedSegmentsInBackground`` is set).
    public func waitForRetiredSegments() {
        retiredFiles.waitUntilIdle()
    }

    /// Path of segment `sequence`.
    func segmentPath(_ sequence: UInt64) -> String { joinPath(directory, WALFormat.segmentName(sequence)) }

    var lastIndexLocked: UInt64 { dummyIndex + UInt64(locations.count) }

    /// Runs `body` under the lock, keeping the typed error.
    func guarded<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Number of segment files in use (for tests and inspection).
    public var segmentCount: Int { lock.withLock { segmentFiles.count } }

    /// True once a failed sync (or an undoable write) has latched the storage.
    public var hasFailed: Bool { lock.withLock { failure != nil } }

    // MARK: - LogStorage

    public func initialState() throws(StorageError) -> (HardState, ConfState) {
        try guarded { () throws(StorageError) -> (HardState, ConfState) in (hardState, snap.metadata.confState) }
    }

    public func entries(from lo: UInt64, to hi: UInt64, maxBytes: UInt64) throws(StorageError) -> [Entry] {
        try guarded { () throws(StorageError) -> [Entry] in
            if lo <= dummyIndex { throw .compacted }
            if hi > lastIndexLocked + 1 { throw .unavailable }
            if lo >= hi { return [] }
            var out: [Entry] = []
            var size: UInt64 = 0
            for i in lo..<hi {
                let location = locations[Int(i - dummyIndex - 1)]
                size += UInt64(location.length) + Entry.headerAllowance
                if !out.isEmpty && size > maxBytes { break }
                if let cached = cache.entry(at: i) {
                    out.append(cached)
                } else {
                    out.append(try readEntry(i, location))
                }
            }
            if let last = out.last { cache.noteRead(through: last.index) }
            return out
        }
    }

    public func term(at index: UInt64) throws(StorageError) -> UInt64 {
        try guarded { () throws(StorageError) -> UInt64 in try termLocked(index) }
    }

    public func firstIndex() throws(StorageError) -> UInt64 {
        try guarded { () throws(StorageError) -> UInt64 in dummyIndex + 1 }
    }

    public func lastIndex() throws(StorageError) -> UInt64 {
        try guarded { () throws(StorageError) -> UInt64 in lastIndexLocked }
    }

    public func snapshot() throws(StorageError) -> Snapshot {
        try guarded { () throws(StorageError) -> Snapshot in snap }
    }

    func termLocked(_ index: UInt64) throws(StorageError) -> UInt64 {
        if index < dummyIndex { throw .compacted }
        if index > lastIndexLocked { throw .unavailable }
        if index == dummyIndex { return dummyTerm }
        return locations[Int(index - dummyIndex - 1)].term
    }

    /// Reads an entry's payload from its segment and checks its CRC.
    func readEntry(_ index: UInt64, _ location: Location) throws(StorageError) -> Entry {
        guard let file = segmentFiles[location.segment] else {
            throw .io("\(segmentPath(location.segment)): segment not open (entry \(index))")
        }
        let data: [UInt8]
        do { data = try file.read(count: Int(location.length), at: location.offset) } catch { throw error.storageError }
        if data.count != Int(location.length) {
            throw .io("\(file.path): offset \(location.offset): entry \(index) truncated (\(data.count) of \(location.length) bytes)")
        }
        let crc = CRC32C.checksum(data)
        if crc != location.crc {
            throw .io("\(file.path): offset \(location.offset - UInt64(WALFormat.recordHeaderSize)): payload CRC mismatch for entry \(index) (stored \(hex32(location.crc)), computed \(hex32(crc)))")
        }
        return Entry(term: location.term, index: index, kind: location.kind, data: data)
    }
}
