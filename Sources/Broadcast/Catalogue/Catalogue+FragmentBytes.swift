extension Catalogue {
    /// Media's fragment record of fragment `index` of `stream`, read from the log entry that committed it.
    /// The result is a slice of the entry's payload (no copy); it is checked against the catalogue (entry
    /// type, stream, index, length and hash).
    /// - Throws: `CatalogueReadError`.
    public func record(stream: StreamID, index: Int, in store: some CatalogueFragmentStore)
        throws(CatalogueReadError) -> ArraySlice<UInt8>
    {
        guard let fragments = streamsByID[stream]?.fragments, fragments.indices.contains(index) else {
            throw .unknownFragment(stream: stream, index: index)
        }
        let meta = fragments[index]
        let payload: [UInt8]
        do throws(CatalogueFragmentStoreError) {
            payload = try store.payload(atLogIndex: meta.logIndex)
        } catch {
            throw .store(error)
        }
        let entry: CatalogueEntry
        do throws(CatalogueDecodingError) {
            entry = try CatalogueEntry(decoding: payload[...])
        } catch {
            throw .mismatch(stream: stream, index: index, logIndex: meta.logIndex, reason: error.description)
        }
        guard case let .fragment(entryStream, entryIndex, record) = entry, entryStream == stream, entryIndex == index
        else {
            throw .mismatch(stream: stream, index: index, logIndex: meta.logIndex, reason: "another entry")
        }
        guard record.count == meta.byteCount, CatalogueHash.fnv1a64(record) == meta.hash else {
            throw .mismatch(stream: stream, index: index, logIndex: meta.logIndex, reason: "bytes differ")
        }
        return record
    }
}
