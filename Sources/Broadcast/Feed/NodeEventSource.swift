/// Where a node's services learn what Raft committed: the catalogue, then every change after it.
/// The node's Raft loop is one; tests use an in-memory twin.
public protocol NodeEventSource: Sendable {
    /// Registers `handler` (called on the source's thread: it must only enqueue, never block) and
    /// returns the catalogue as of the last event delivered before registration, atomically (no
    /// event is missed or seen twice).
    func subscribe(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (catalogue: Catalogue, leader: String?, term: UInt64)
    /// Bytes of the fragment record stored in the log entry at `logIndex` (thread-safe; throws when compacted).
    func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8]
}
