import Broadcast
import Foundation

/// An in-memory twin of a node's event source (the node's Raft loop): applies catalogue entries to a
/// `Catalogue` at increasing log indices, as the node does (``Catalogue/applyChange(entry:at:term:)``),
/// keeps fragment records "in the log", and hands each change to the subscribers in commit order.
/// Shared by the feed's tests (BroadcastTests) and the playback service's (NodeTests).
public final class CatalogueTwin: NodeEventSource, @unchecked Sendable {
    /// The record asked for is not in the twin's log (never committed, or ``compact(below:)``).
    public struct Compacted: Error, CustomStringConvertible {
        /// The log index asked for.
        public var logIndex: UInt64
        public var description: String { "log entry \(logIndex) is compacted" }
    }

    private let lock = NSLock()
    private var catalogue = Catalogue()
    private var records: [UInt64: [UInt8]] = [:]
    private var handlers: [@Sendable ([NodeEvent]) -> Void] = []
    private var nextIndex: UInt64 = 1

    /// An empty catalogue at log index 0.
    public init() {}

    public func subscribe(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (catalogue: Catalogue, leader: String?, term: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        handlers.append(handler)
        return (catalogue, "n1", 1)
    }

    public func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        guard let record = records[logIndex] else { throw Compacted(logIndex: logIndex) }
        return record
    }

    /// The catalogue as of the last commit.
    public var current: Catalogue {
        lock.lock()
        defer { lock.unlock() }
        return catalogue
    }

    /// Commits `entry` and delivers its change (nothing when the catalogue ignores it); returns the change.
    @discardableResult
    public func commit(_ entry: CatalogueEntry) -> CatalogueChange {
        lock.lock()
        defer { lock.unlock() }
        let index = nextIndex
        nextIndex += 1
        let change = catalogue.applyChange(entry: entry, at: index, term: 1)
        guard change.event.changedCatalogue else { return change }
        if case .fragment(_, _, let bytes) = entry { records[index] = Array(bytes) }
        for handler in handlers { handler([.catalogue(change)]) }
        return change
    }

    /// Drops the records of every entry below `logIndex` from the twin's log, as log compaction would.
    public func compact(below logIndex: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        records = records.filter { $0.key >= logIndex }
    }
}
