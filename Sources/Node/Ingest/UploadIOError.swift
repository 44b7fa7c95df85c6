#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call on an upload's file failed: which one, on which path, and its `errno`.
public struct UploadIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call, e.g. `write`, `statvfs`.
    public var operation: String
    /// The file or folder it was made on.
    public var path: String
    /// The `errno` it failed with.
    public var code: Int32

    /// A failure of `operation` on `path` with `errno` `code`.
    public init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// The file system is full (`ENOSPC`) or the owner's quota is used up (`EDQUOT`): no fault of the
    /// client's, and it may pass once space is freed.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
