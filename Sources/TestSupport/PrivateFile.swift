import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file only its owner may read or write (mode 0600 whatever the umask), as a cluster's secret file
/// must be: the node and its clients refuse one that group or others can read.
public enum PrivateFile {
    /// Writes `text` (UTF-8) to `path`, mode 0600; an existing file is truncated and made 0600.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Writes `data` to `path`, mode 0600; an existing file is truncated and made 0600.
    public static func write(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        guard fchmod(fd, 0o600) == 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        try handle.write(contentsOf: data)
        try handle.close()
    }
}
