/// Why a committed fragment's bytes could not be read back.
public enum CatalogueReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The catalogue has no such fragment.
    case unknownFragment(stream: StreamID, index: Int)
    /// The store could not return the entry.
    case store(CatalogueFragmentStoreError)
    /// The entry at the recorded log index is not that fragment, or its bytes differ from what was committed.
    case mismatch(stream: StreamID, index: Int, logIndex: UInt64, reason: String)

    /// One line describing the problem.
    public var description: String {
        switch self {
        case let .unknownFragment(stream, index): return "no fragment \(index) of stream \(stream) in the catalogue"
        case .store(let error): return error.description
        case let .mismatch(stream, index, logIndex, reason):
            return "log entry \(logIndex) is not fragment \(index) of stream \(stream): \(reason)"
        }
    }
}
