import Raft

/// Where a node reads committed log entry payloads back from, so that fragment bytes are served from the
/// log instead of being written a second time (docs/catalogue.md). The node plugs in
/// `CatalogueLogFragmentStore` over its Raft `LogStorage`; `CatalogueMemoryFragmentStore` is the
/// in-memory twin for tests and tools.
public protocol CatalogueFragmentStore: AnyObject {
    /// The payload of the committed log entry at `logIndex`.
    /// - Throws: `CatalogueFragmentStoreError` when the entry was compacted away or cannot be read.
    func payload(atLogIndex logIndex: UInt64) throws(CatalogueFragmentStoreError) -> [UInt8]
}

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

/// Reads entries from a Raft `LogStorage` (the node's write-ahead log, or `MemoryStorage`).
public final class CatalogueLogFragmentStore: CatalogueFragmentStore {
    private let storage: any LogStorage

    /// A store reading from `storage`.
    public init(storage: any LogStorage) { self.storage = storage }

    /// The payload of the entry at `logIndex`, read from the log.
    public func payload(atLogIndex logIndex: UInt64) throws(CatalogueFragmentStoreError) -> [UInt8] {
        let entries: [Entry]
        do throws(StorageError) {
            entries = try storage.entries(from: logIndex, to: logIndex + 1, maxBytes: .max)
        } catch {
            switch error {
            case .compacted: throw .compacted(logIndex: logIndex)
            case .io(let message): throw .io(message)
            default: throw .unavailable(logIndex: logIndex)
            }
        }
        guard let entry = entries.first else { throw .unavailable(logIndex: logIndex) }
        return entry.data
    }
}

/// The in-memory twin: payloads by log index, with compaction.
public final class CatalogueMemoryFragmentStore: CatalogueFragmentStore {
    private var payloads: [UInt64: [UInt8]] = [:]
    private var firstIndex: UInt64 = 1

    /// An empty store.
    public init() {}

    /// Stores the payload of the entry at `logIndex` (replacing an uncommitted one at the same index).
    public func store(_ payload: [UInt8], atLogIndex logIndex: UInt64) { payloads[logIndex] = payload }

    /// Drops every entry before `index`.
    public func compact(upTo index: UInt64) {
        guard index > firstIndex else { return }
        payloads = payloads.filter { $0.key >= index }
        firstIndex = index
    }

    /// The stored payload at `logIndex`.
    public func payload(atLogIndex logIndex: UInt64) throws(CatalogueFragmentStoreError) -> [UInt8] {
        if logIndex < firstIndex { throw .compacted(logIndex: logIndex) }
        guard let payload = payloads[logIndex] else { throw .unavailable(logIndex: logIndex) }
        return payload
    }
}
