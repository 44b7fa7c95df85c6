import SystemIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real ``UploadFileSystem``: `statvfs`, `open`, `write` and `close`, each failure carrying its
/// `errno` (so a full disk is told apart from every other failure).
public struct POSIXUploadFileSystem: UploadFileSystem {
    /// The file system.
    public init() {}

    public func availableBytes(in directory: String) throws(UploadIOError) -> UInt64 {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else {
            throw UploadIOError(operation: "statvfs", path: directory, code: errno)
        }
        let (bytes, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        return overflow ? UInt64.max : bytes
    }

    public func create(_ path: String) throws(UploadIOError) -> any UploadFileWriter {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UploadIOError(operation: "open", path: path, code: errno) }
        return Writer(fd: fd, path: path)
    }

    /// A file descriptor open for writing.
    final class Writer: UploadFileWriter {
        private var fd: Int32
        private let path: String

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        deinit { if fd >= 0 { _ = Glibc.close(fd) } }

        func write(_ bytes: UnsafeRawBufferPointer) throws(UploadIOError) {
            if let code = FileDescriptorWrite.all(bytes, to: fd) {
                throw UploadIOError(operation: "write", path: path, code: code)
            }
        }

        func close() throws(UploadIOError) {
            guard fd >= 0 else { return }
            let result = Glibc.close(fd)
            let code = errno
            fd = -1
            if result != 0 && code != EINTR { throw UploadIOError(operation: "close", path: path, code: code) }
        }
    }
}
