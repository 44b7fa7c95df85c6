/// Why a fragment store could not return an entry.
public enum CatalogueFragmentStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The entry is no longer in the log (compacted).
    case compacted(logIndex: UInt64)
    /// The store has no such entry (not yet written, or past the end).
    case unavailable(logIndex: UInt64)
    /// The storage failed; the message names the file and the reason.
    case io(String)

    /// One line describing the problem.
    public var description: String {
        switch self {
        case .compacted(let i): return "log entry \(i) was compacted away"
        case .unavailable(let i): return "log entry \(i) is not available"
        case .io(let message): return message
        }
    }
}
