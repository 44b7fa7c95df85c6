import Broadcast
import Raft
import XCTest

final class CatalogueSnapshotHistoryTests: XCTestCase {
    typealias F = CatalogueFixtures

    /// A node applies a stream, snapshots every 3 entries and compacts as the history allows; a new node that
    /// installs the storage's snapshot and receives the rest of the log gets every retained fragment's bytes.
    func testCompactingAtTheHistorysPointKeepsEveryRetainedFragmentInTheLog() throws {
        let storage = MemoryStorage()
        var catalogue = Catalogue()
        var history = CatalogueSnapshotHistory(capacity: 2)
        var entries: [CatalogueEntry] = [.streamStarted(F.start(1)), .streamStarted(F.start(2))]
        entries += (0..<6).map { F.fragmentEntry(1, $0) }
        entries += [.streamEnded(stream: 1, fragmentCount: 6, durationSeconds: 12)]
        entries += (0..<4).map { F.fragmentEntry(2, $0) }
        entries += [.streamRemoved(stream: 1)]
        entries += (4..<8).map { F.fragmentEntry(2, $0) }
        var compactedUpTo: UInt64 = 1
        for (i, entry) in entries.enumerated() {
            let index = UInt64(i + 1)
            try storage.append([Entry(term: 1, index: index, data: entry.encoded())])
            _ = catalogue.apply(entry: entry, at: index, term: 1)
            guard index % 3 == 0 else { continue }
            history.record(catalogue)
            XCTAssertLessThanOrEqual(history.points.count, 3)
            guard let point = history.compactionPoint(for: catalogue), point.index + 1 > compactedUpTo else { continue }
            if let floor = catalogue.retainedLogFloor { XCTAssertLessThan(point.index, floor) }
            _ = try storage.createSnapshot(at: point.index, confState: ConfState(), data: point.data)
            try storage.compact(upTo: point.index + 1)
            compactedUpTo = point.index + 1
            // Every retained fragment can still be read from this node's log.
            let store = CatalogueLogFragmentStore(storage: storage)
            for stream in catalogue.streams {
                for fragment in stream.fragments {
                    XCTAssertNoThrow(try catalogue.record(stream: stream.id, index: fragment.index, in: store))
                }
            }
        }
        // Stream 1 was removed after stream 2 began, so the log was compacted up to stream 2's first fragment.
        let firstOfStream2 = try XCTUnwrap(catalogue.fragments(of: 2).first?.logIndex)
        XCTAssertEqual(catalogue.retainedLogFloor, firstOfStream2)
        XCTAssertGreaterThan(compactedUpTo, 9, "the log was compacted past stream 1")
        XCTAssertLessThanOrEqual(compactedUpTo, firstOfStream2)

        // A new node: installs the snapshot, then applies the log after it.
        let snapshot = try storage.snapshot()
        var newNode = try Catalogue(snapshot: snapshot.data)
        let rest = try storage.entries(from: snapshot.metadata.index + 1, to: try storage.lastIndex() + 1, maxBytes: .max)
        for entry in rest { _ = newNode.apply(payload: entry.data, at: entry.index, term: entry.term) }
        XCTAssertEqual(newNode, catalogue)
        let store = CatalogueLogFragmentStore(storage: storage)
        for fragment in newNode.fragments(of: 2) {
            XCTAssertEqual(Array(try newNode.record(stream: 2, index: fragment.index, in: store)), F.fragment(fragment.index).encoded())
        }
    }

    func testWithNothingRetainedTheNewestSnapshotIsTheCompactionPoint() {
        var catalogue = Catalogue()
        var history = CatalogueSnapshotHistory(capacity: 1)
        XCTAssertNil(history.compactionPoint(for: catalogue))
        _ = catalogue.apply(entry: .streamStarted(F.start(1)), at: 1, term: 1)
        history.record(catalogue)
        XCTAssertEqual(history.compactionPoint(for: catalogue)?.index, 1)
        _ = catalogue.apply(entry: F.fragmentEntry(1, 0), at: 2, term: 1)
        history.record(catalogue)
        // Fragment 0 sits at index 2: the snapshot at 1 is the newest below it, kept despite capacity 1.
        XCTAssertEqual(history.points.map(\.index), [1, 2])
        XCTAssertEqual(history.compactionPoint(for: catalogue)?.index, 1)
        history.record(catalogue)
        XCTAssertEqual(history.points.map(\.index), [1, 2], "same applied index: not recorded twice")
    }
}
