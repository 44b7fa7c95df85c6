/// One replicated change to the catalogue: the payload of a `.normal` Raft log entry.
///
/// The wire format (`encoded()`, `init(decoding:)`) is in `CatalogueEntry+WireFormat.swift` and
/// docs/catalogue.md. A fragment's bytes are Media's `Fragment` record, carried untouched as a slice: a
/// decoded entry shares the storage of the payload it was decoded from.
public enum CatalogueEntry: Sendable, Hashable {
    /// A stream begins.
    case streamStarted(CatalogueStreamStart)
    /// Fragment `index` (0-based) of `stream`: `record` is Media's fragment wire record ("RCFG").
    case fragment(stream: StreamID, index: Int, record: ArraySlice<UInt8>)
    /// The stream is complete: it has `fragmentCount` fragments lasting `durationSeconds` in all.
    case streamEnded(stream: StreamID, fragmentCount: Int, durationSeconds: Double)
    /// The stream is removed from the catalogue; its id is never used again.
    case streamRemoved(stream: StreamID)
    /// A decision about the programme, taking effect at cluster time `at` (the leader's cluster now plus
    /// the playout delay, so every node has it before it is due).
    case queue(QueueCommand, at: ClusterTime)

    /// The stream the entry is about (for a queue decision, the stream it names, if any).
    public var stream: StreamID? {
        switch self {
        case .streamStarted(let start): return start.id
        case .fragment(let stream, _, _), .streamEnded(let stream, _, _), .streamRemoved(let stream): return stream
        case .queue(let command, _): return command.stream
        }
    }
}
