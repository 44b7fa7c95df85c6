import Raft

/// Why a log directory could not be opened (or inspected).
public enum WALError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The log is damaged where a crash cannot explain it (a bad record with valid
    /// records after it, a missing segment, a bad snapshot). `file` is the path,
    /// `offset` the byte offset in it, `reason` what is wrong.
    case corruption(file: String, offset: UInt64, reason: String)
    /// The file system failed (e.g. permission denied, no such directory).
    case io(FileSystemError)

    public var description: String {
        switch self {
        case let .corruption(file, offset, reason): "\(file): corrupt at offset \(offset): \(reason)"
        case let .io(error): error.description
        }
    }

    /// This error as the storage error the Raft core sees.
    public var storageError: StorageError { .io(description) }
}
