import SystemIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system, through POSIX calls (`pwrite`, `pread`, `fsync`,
/// `fdatasync`, `rename`, `unlink`, and `fsync` on a directory descriptor).
public final class POSIXFileSystem: FileSystem {
    /// The one instance (it holds no state).
    public static let shared = POSIXFileSystem()

    public init() {}

    public func open(_ path: String) throws(FileSystemError) -> any StorageFile {
        try POSIXFile(path: path, flags: O_RDWR | O_CLOEXEC)
    }

    public func create(_ path: String) throws(FileSystemError) -> any StorageFile {
        try POSIXFile(path: path, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC)
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        if Glibc.rename(from, to) != 0 { throw posixError(from) }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        if unlink(path) != 0 { throw posixError(path) }
    }

    public func list(_ directory: String) throws(FileSystemError) -> [String] {
        guard let dir = opendir(directory) else { throw posixError(directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func syncDirectory(_ directory: String) throws(FileSystemError) {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw posixError(directory) }
        defer { Glibc.close(fd) }
        if fsync(fd) != 0 { throw posixError(directory) }
    }

    public func makeDirectory(_ directory: String) throws(FileSystemError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o755) != 0 && Glibc.errno != EEXIST { throw posixError(path) }
        }
        if !isDirectory(directory) { throw FileSystemError(path: directory, reason: "not a directory") }
    }

    public func lockFile(_ path: String) throws(FileSystemError) -> FileLock {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw posixError(path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = Glibc.errno
            Glibc.close(fd)
            if code == EWOULDBLOCK {
                throw FileSystemError(path: path, reason: "locked by another process (is a node running on this directory?)", errno: code)
            }
            throw posixError(path, code)
        }
        return FileLock { Glibc.close(fd) }
    }

    public func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}

/// `path: strerror(errno)` for the current errno.
func posixError(_ path: String, _ code: Int32 = Glibc.errno) -> FileSystemError {
    FileSystemError(path: path, reason: String(cString: strerror(code)), errno: code)
}

/// A file descriptor opened by ``POSIXFileSystem``.
final class POSIXFile: StorageFile {
    let path: String
    private let fd: Int32

    init(path: String, flags: Int32) throws(FileSystemError) {
        self.path = path
        let fd = Glibc.open(path, flags, 0o644)
        if fd < 0 { throw posixError(path) }
        self.fd = fd
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(FileSystemError) {
        if let code = FileDescriptorWrite.all(bytes, to: fd, at: offset) { throw posixError(path, code) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileSystemError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            let n = pread(fd, buffer.baseAddress!, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if Glibc.errno != EINTR { throw posixError(path) }
        }
    }

    func size() throws(FileSystemError) -> UInt64 {
        var st = stat()
        if fstat(fd, &st) != 0 { throw posixError(path) }
        return UInt64(st.st_size)
    }

    func truncate(to length: UInt64) throws(FileSystemError) {
        if ftruncate(fd, off_t(length)) != 0 { throw posixError(path) }
    }

    func sync() throws(FileSystemError) {
        if fsync(fd) != 0 { throw posixError(path) }
    }

    func dataSync() throws(FileSystemError) {
        if fdatasync(fd) != 0 { throw posixError(path) }
    }

    func dropCachedPages(from offset: UInt64, to end: UInt64) {
        guard end > offset, let start = off_t(exactly: offset), let length = off_t(exactly: end - offset) else { return }
        _ = posix_fadvise(fd, start, length, POSIX_FADV_DONTNEED)
    }

    func close() {
        Glibc.close(fd)
    }
}
