import Raft

/// An error from the file-system seam: the path and a human reason
/// (`strerror` text for POSIX errors), plus the errno when there is one.
public struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory the operation was on.
    public var path: String
    /// What went wrong, e.g. "No space left on device".
    public var reason: String
    /// The POSIX errno, when the error came from (or models) a system call.
    public var errno: Int32?

    /// An error about `path`.
    public init(path: String, reason: String, errno: Int32? = nil) {
        self.path = path
        self.reason = reason
        self.errno = errno
    }

    /// `path: reason`, the shape of ``StorageError/io(_:)`` messages.
    public var description: String { "\(path): \(reason)" }

    /// This error as the storage error the Raft core sees: `.io("path: reason")`.
    public var storageError: StorageError { .io(description) }
}

/// An open file of the seam. Offsets are absolute (positioned I/O), so a
/// handle has no cursor and can be shared by readers.
public protocol StorageFile: AnyObject, Sendable {
    /// The path the file was opened with.
    var path: String { get }
    /// Writes all of `bytes` at `offset` (the data is only *written*: it may
    /// vanish on power loss until ``sync()`` or ``dataSync()`` returns).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(FileSystemError)
    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read
    /// (fewer only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileSystemError) -> Int
    /// The current size in bytes.
    func size() throws(FileSystemError) -> UInt64
    /// Cuts (or extends with zeros) the file to `length` bytes.
    func truncate(to length: UInt64) throws(FileSystemError)
    /// fsync: data and all metadata durable.
    func sync() throws(FileSystemError)
    /// fdatasync: data (and the size) durable.
    func dataSync() throws(FileSystemError)
    /// Advice, never an error: the bytes in `offset ..< end` are durable and will not be read soon, so the
    /// file system may drop them from its cache (`posix_fadvise(POSIX_FADV_DONTNEED)`; pages only partly
    /// inside the range stay). Files without a cache ignore it.
    func dropCachedPages(from offset: UInt64, to end: UInt64)
    /// Releases the handle. Further calls fail.
    func close()
}

/// The file-system operations the write-ahead log uses: the seam between the
/// log and the disk. ``POSIXFileSystem`` is the real one; ``SimulatedFileSystem``
/// models durability (written vs synced) and injects faults.
public protocol FileSystem: AnyObject, Sendable {
    /// Opens an existing file for reading and writing.
    func open(_ path: String) throws(FileSystemError) -> any StorageFile
    /// Creates a new, empty file (fails if it exists). Its directory entry is
    /// durable only after ``syncDirectory(_:)``.
    func create(_ path: String) throws(FileSystemError) -> any StorageFile
    /// Renames a file, replacing `to` if it exists (atomic).
    func rename(_ from: String, to: String) throws(FileSystemError)
    /// Removes a file.
    func remove(_ path: String) throws(FileSystemError)
    /// Names (not paths) of the entries of a directory, sorted.
    func list(_ directory: String) throws(FileSystemError) -> [String]
    /// Makes renames, creations and removals in `directory` durable (fsync on the directory).
    func syncDirectory(_ directory: String) throws(FileSystemError)
    /// Creates `directory` (and its parents) if missing.
    func makeDirectory(_ directory: String) throws(FileSystemError)
    /// True when `path` exists and is a directory.
    func isDirectory(_ path: String) -> Bool
    /// Takes an exclusive lock on `path` (a lock file, created if missing), or fails
    /// at once if someone holds it.
    func lockFile(_ path: String) throws(FileSystemError) -> FileLock
}

extension StorageFile {
    /// Writes `bytes` at `offset`.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(FileSystemError) {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(FileSystemError) in try write(raw, at: offset) }
        }.get()
    }

    /// Reads exactly `count` bytes at `offset`, or fewer at end of file.
    public func read(count: Int, at offset: UInt64) throws(FileSystemError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let n = try out.withUnsafeMutableBytes { raw in
            Result { () throws(FileSystemError) -> Int in try readFully(into: raw, at: offset) }
        }.get()
        if n < count { out.removeSubrange(n...) }
        return out
    }

    /// Loops over ``read(into:at:)`` until `buffer` is full or the file ends.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileSystemError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + UInt64(done))
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// Joins a directory and a name.
func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
