/// Where a node reads committed log entry payloads back from, so that fragment bytes are served from the
/// log instead of being written a second time (docs/catalogue.md). The node plugs in
/// `CatalogueLogFragmentStore` over its Raft `LogStorage`; `CatalogueMemoryFragmentStore` is the
/// in-memory twin for tests and tools.
public protocol CatalogueFragmentStore: AnyObject {
    /// The payload of the committed log entry at `logIndex`.
    /// - Throws: `CatalogueFragmentStoreError` when the entry was compacted away or cannot be read.
    func payload(atLogIndex logIndex: UInt64) throws(CatalogueFragmentStoreError) -> [UInt8]
}
