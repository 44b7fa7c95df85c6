import Broadcast
import Foundation
import Node

/// An in-memory twin of the node's event source: applies catalogue entries to a `Catalogue` at
/// increasing log indices, keeps fragment records "in the log", and hands each change to the
/// subscribers in commit order, as `RaftLoop` does on its thread.
final class CatalogueTwin: NodeEventSource, @unchecked Sendable {
    struct Compacted: Error {}

    private let lock = NSLock()
    private var catalogue = Catalogue()
    private var records: [UInt64: [UInt8]] = [:]
    private var handlers: [@Sendable ([NodeEvent]) -> Void] = []
    private var nextIndex: UInt64 = 1

    func subscribe(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (catalogue: Catalogue, leader: String?, term: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        handlers.append(handler)
        return (catalogue, "n1", 1)
    }

    func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        guard let record = records[logIndex] else { throw Compacted() }
        return record
    }

    /// Commits `entry` and delivers its change.
    func commit(_ entry: CatalogueEntry) {
        lock.lock()
        defer { lock.unlock() }
        let index = nextIndex
        nextIndex += 1
        let event = catalogue.apply(entry: entry, at: index, term: 1)
        guard event.changedCatalogue else { return }
        var record: [UInt8]?
        if case .fragment(_, _, let bytes) = entry {
            record = Array(bytes)
            records[index] = record
        }
        let change = CatalogueChange(event: event, logIndex: index, stream: catalogue.stream(entry.stream), fragmentRecord: record?[...])
        for handler in handlers { handler([.catalogue(change)]) }
    }
}
