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
