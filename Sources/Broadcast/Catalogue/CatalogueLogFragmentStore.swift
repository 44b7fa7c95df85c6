import Raft

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
