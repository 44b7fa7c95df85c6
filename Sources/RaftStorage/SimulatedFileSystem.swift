import Foundation

/// An in-memory file system that models what is durable and what is only
/// written, and injects faults. For crash tests of the write-ahead log and for
/// the deterministic simulator (module RaftTesting).
///
/// Model:
/// - every file has its *written* bytes and its *durable* bytes; ``StorageFile/sync()``
///   and ``StorageFile/dataSync()`` make the written bytes durable;
/// - every directory has its *current* entries and its *durable* entries;
///   ``syncDirectory(_:)`` makes the current ones durable (creations, renames, removals);
/// - ``powerLoss(keepUnsyncedBytes:)`` throws away everything not durable (optionally keeping a
///   prefix of each file's unsynced tail: a torn write), and invalidates open handles;
/// - ``inject(_:)`` makes chosen operations fail (e.g. `ENOSPC` on write, `EIO` on sync),
///   optionally after writing only part of the bytes (a torn write).
///
/// Thread-safe: one lock guards the whole state.
public final class SimulatedFileSystem: FileSystem, @unchecked Sendable {
    /// An operation a ``Fault`` can target.
    public enum Operation: Sendable, Hashable {
        case write, sync, create, rename, remove, syncDirectory, truncate
    }

    /// A planned failure.
    public struct Fault: Sendable, Hashable {
        /// The operation that fails.
        public var operation: Operation
        /// Only paths containing this string match ("" matches every path).
        public var pathContains: String
        /// Matching operations that still succeed before the fault fires.
        public var after: Int
        /// The errno reported (e.g. `ENOSPC`, `EIO`).
        public var errno: Int32
        /// For writes: how many bytes are written before the failure (a torn write).
        public var tornBytes: Int
        /// Keep failing every matching operation once fired (a full or dead disk).
        public var sticky: Bool

        /// A fault on `operation` for paths containing `pathContains`, firing after `after` matching calls.
        public init(_ operation: Operation, pathContains: String = "", after: Int = 0,
                    errno: Int32 = EIO, tornBytes: Int = 0, sticky: Bool = false) {
            self.operation = operation
            self.pathContains = pathContains
            self.after = after
            self.errno = errno
            self.tornBytes = tornBytes
            self.sticky = sticky
        }
    }

    /// Counts of operations performed, for tests that check the group commit.
    public struct Counters: Sendable, Hashable {
        public var writes = 0
        public var fileSyncs = 0
        public var directorySyncs = 0
        public var bytesRead = 0
        /// Bytes passed to ``StorageFile/dropCachedPages(from:to:)``.
        public var cacheDroppedBytes = 0
        /// Calls of ``StorageFile/dropCachedPages(from:to:)`` on a range that was not durable (written
        /// but not synced, or past the end): a misuse (a real cache would keep dirty pages, but the
        /// caller broke its own rule), for tests to assert on.
        public var unsyncedCacheDrops = 0
    }

    final class Inode {
        var data: [UInt8] = []
        var durable: [UInt8] = []
    }

    private let lock = NSLock()
    /// Current namespace: path → inode.
    private var names: [String: Inode] = [:]
    /// Namespace as of the last directory syncs.
    private var durableNames: [String: Inode] = [:]
    private var directories: Set<String> = ["/"]
    private var faults: [Fault] = []
    private var firedSticky: [Fault] = []
    private var generation = 0
    private var counters = Counters()
    /// Held locks: path → the token of the holder.
    private var locks: [String: Int] = [:]
    private var nextLockToken = 0

    /// An empty file system holding only `/`.
    public init() {}

    // MARK: - Test controls

    /// Plans a failure.
    public func inject(_ fault: Fault) {
        lock.withLock { faults.append(fault) }
    }

    /// Removes every planned or firing fault.
    public func clearFaults() {
        lock.withLock {
            faults.removeAll()
            firedSticky.removeAll()
        }
    }

    /// Simulated power loss: files and directories revert to their durable state.
    /// `keepUnsyncedBytes` (path → n) keeps the first n bytes of a file's unsynced
    /// tail (a torn write that partly reached the disk). Handles opened before fail afterwards.
    public func powerLoss(keepUnsyncedBytes: [String: Int] = [:]) {
        lock.withLock {
            let keepMap = Dictionary(keepUnsyncedBytes.map { (normalized($0.key), $0.value) }, uniquingKeysWith: max)
            names = durableNames
            for (path, inode) in names {
                var result = inode.durable
                if let wanted = keepMap[path], wanted > 0 {
                    let common = zip(inode.data, inode.durable).prefix(while: { $0 == $1 }).count
                    let keep = min(wanted, max(0, inode.data.count - common))
                    let end = common + keep
                    if result.count < end { result += [UInt8](repeating: 0, count: end - result.count) }
                    result.replaceSubrange(common..<end, with: inode.data[common..<end])
                }
                inode.data = result
                inode.durable = result
            }
            generation += 1
            locks.removeAll()  // the processes holding them are gone
            faults.removeAll()
            firedSticky.removeAll()
        }
    }

    /// The written bytes of a file, or nil if it does not exist.
    public func contents(of path: String) -> [UInt8]? {
        lock.withLock { names[normalized(path)]?.data }
    }

    /// Replaces a file's bytes, written *and* durable (creating it durably if needed):
    /// how tests corrupt a log at rest.
    public func setContents(of path: String, to bytes: [UInt8]) {
        lock.withLock {
            let path = normalized(path)
            let inode = names[path] ?? Inode()
            inode.data = bytes
            inode.durable = bytes
            names[path] = inode
            durableNames[path] = inode
        }
    }

    /// Removes a file at once and durably (a lost file).
    public func removeDurably(_ path: String) {
        lock.withLock {
            let path = normalized(path)
            names[path] = nil
            durableNames[path] = nil
        }
    }

    /// Operation counts so far.
    public var operationCounts: Counters { lock.withLock { counters } }

    // MARK: - FileSystem

    public func open(_ path: String) throws(FileSystemError) -> any StorageFile {
        try locked { () throws(FileSystemError) -> any StorageFile in
            let path = normalized(path)
            guard let inode = names[path] else { throw FileSystemError(path: path, reason: "No such file or directory", errno: ENOENT) }
            return SimulatedFile(path: path, inode: inode, fs: self, generation: generation)
        }
    }

    public func create(_ path: String) throws(FileSystemError) -> any StorageFile {
        try locked { () throws(FileSystemError) -> any StorageFile in
            let path = normalized(path)
            try checkFault(.create, path)
            guard directories.contains(parent(of: path)) else { throw FileSystemError(path: path, reason: "No such file or directory", errno: ENOENT) }
            if names[path] != nil { throw FileSystemError(path: path, reason: "File exists", errno: EEXIST) }
            let inode = Inode()
            names[path] = inode
            return SimulatedFile(path: path, inode: inode, fs: self, generation: generation)
        }
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        try locked { () throws(FileSystemError) in
            let from = normalized(from), to = normalized(to)
            try checkFault(.rename, from)
            guard let inode = names[from] else { throw FileSystemError(path: from, reason: "No such file or directory", errno: ENOENT) }
            names[from] = nil
            names[to] = inode
        }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        try locked { () throws(FileSystemError) in
            let path = normalized(path)
            try checkFault(.remove, path)
            guard names[path] != nil else { throw FileSystemError(path: path, reason: "No such file or directory", errno: ENOENT) }
            names[path] = nil
        }
    }

    public func list(_ directory: String) throws(FileSystemError) -> [String] {
        try locked { () throws(FileSystemError) -> [String] in
            let dir = normalized(directory)
            guard directories.contains(dir) else { throw FileSystemError(path: directory, reason: "No such file or directory", errno: ENOENT) }
            return names.keys.filter { parent(of: $0) == dir }.map { String($0.dropFirst(dir == "/" ? 1 : dir.count + 1)) }.sorted()
        }
    }

    public func syncDirectory(_ directory: String) throws(FileSystemError) {
        try locked { () throws(FileSystemError) in
            try checkFault(.syncDirectory, directory)
            counters.directorySyncs += 1
            let dir = normalized(directory)
            for path in durableNames.keys where parent(of: path) == dir { durableNames[path] = nil }
            for (path, inode) in names where parent(of: path) == dir { durableNames[path] = inode }
        }
    }

    public func makeDirectory(_ directory: String) throws(FileSystemError) {
        lock.withLock {
            var path = ""
            for part in normalized(directory).split(separator: "/") {
                path += "/" + part
                directories.insert(path)
            }
        }
    }

    public func lockFile(_ path: String) throws(FileSystemError) -> FileLock {
        try locked { () throws(FileSystemError) -> FileLock in
            let path = normalized(path)
            if locks[path] != nil {
                throw FileSystemError(path: path, reason: "locked by another process (is a node running on this directory?)", errno: EWOULDBLOCK)
            }
            nextLockToken += 1
            let token = nextLockToken
            locks[path] = token
            return FileLock { [weak self] in
                self?.lock.withLock { if self?.locks[path] == token { self?.locks[path] = nil } }
            }
        }
    }

    public func isDirectory(_ path: String) -> Bool {
        lock.withLock { directories.contains(normalized(path)) }
    }

    // MARK: - Internals used by SimulatedFile

    func locked<T>(_ body: () throws(FileSystemError) -> T) throws(FileSystemError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func checkHandle(_ path: String, _ handleGeneration: Int) throws(FileSystemError) {
        if handleGeneration != generation {
            throw FileSystemError(path: path, reason: "stale handle (opened before a power loss)", errno: EIO)
        }
    }

    /// The planned fault that fires for this operation, if any. Caller holds the lock.
    func firingFault(_ op: Operation, _ path: String) -> Fault? {
        func matches(_ f: Fault) -> Bool { f.operation == op && (f.pathContains.isEmpty || path.contains(f.pathContains)) }
        if let f = firedSticky.first(where: matches) { return f }
        guard let i = faults.firstIndex(where: matches) else { return nil }
        if faults[i].after > 0 {
            faults[i].after -= 1
            return nil
        }
        let f = faults.remove(at: i)
        if f.sticky { firedSticky.append(f) }
        return f
    }

    /// Throws if a planned fault fires for this operation. Caller holds the lock.
    func checkFault(_ op: Operation, _ path: String) throws(FileSystemError) {
        if let f = firingFault(op, path) { throw Self.error(f, path) }
    }

    static func error(_ f: Fault, _ path: String) -> FileSystemError {
        FileSystemError(path: path, reason: String(cString: strerror(f.errno)), errno: f.errno)
    }

    func bump(_ keyPath: WritableKeyPath<Counters, Int>) { counters[keyPath: keyPath] += 1 }

    func count(bytesRead n: Int) { counters.bytesRead += n }

    func count(cacheDrop n: Int, durable: Bool) {
        counters.cacheDroppedBytes += n
        if !durable { counters.unsyncedCacheDrops += 1 }
    }

    func normalized(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p.hasPrefix("/") ? p : "/" + p
    }

    private func parent(of path: String) -> String {
        let p = normalized(path)
        guard let slash = p.lastIndex(of: "/") else { return "/" }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }
}

