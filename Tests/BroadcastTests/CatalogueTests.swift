import Broadcast
import BroadcastTesting
import Media
import Raft
import XCTest

final class CatalogueTests: XCTestCase {
    typealias F = CatalogueFixtures

    /// Applies `entries` at log indices 1, 2, … in term 1, returning the events.
    @discardableResult
    private func apply(_ entries: [CatalogueEntry], to catalogue: inout Catalogue, from first: UInt64 = 1)
        -> [CatalogueEvent]
    {
        entries.enumerated().map { i, entry in catalogue.apply(entry: entry, at: first + UInt64(i), term: 1) }
    }

    func testAStreamStartsCommitsFragmentsEndsAndIsRemoved() {
        var catalogue = Catalogue()
        let events = apply(
            [.streamStarted(F.start(7)), F.fragmentEntry(7, 0), F.fragmentEntry(7, 1), F.fragmentEntry(7, 2),
             .streamEnded(stream: 7, fragmentCount: 3, durationSeconds: 6.1)], to: &catalogue)
        XCTAssertEqual(
            events,
            [.streamStarted(7), .fragmentCommitted(stream: 7, index: 0, logIndex: 2),
             .fragmentCommitted(stream: 7, index: 1, logIndex: 3), .fragmentCommitted(stream: 7, index: 2, logIndex: 4),
             .streamEnded(stream: 7, fragmentCount: 3)])
        let stream = try! XCTUnwrap(catalogue.stream(7))
        XCTAssertEqual(stream.start, F.start(7))
        XCTAssertEqual(stream.header, F.header)
        XCTAssertEqual(stream.startLogIndex, 1)
        XCTAssertEqual(stream.state, .ended(fragmentCount: 3, durationSeconds: 6.1))
        XCTAssertEqual(stream.timeline, StreamTimeline(start: ClusterTime(nanoseconds: 5_000_000_000), sampleRate: 48_000))
        XCTAssertEqual(catalogue.streams.map(\.id), [7])
        XCTAssertEqual(catalogue.firstMissingFragment(of: 7), 3)
        XCTAssertEqual(catalogue.appliedIndex, 5)
        let fragments = catalogue.fragments(of: 7)
        for (i, meta) in fragments.enumerated() {
            let fragment = F.fragment(i)
            let record = fragment.encoded()
            XCTAssertEqual(meta.index, i)
            XCTAssertEqual(meta.startPTS, fragment.startPTS)
            XCTAssertEqual(meta.durationPTS, fragment.durationPTS)
            XCTAssertEqual(meta.startSeconds, fragment.startSeconds)
            XCTAssertEqual(meta.durationSeconds, fragment.durationSeconds)
            XCTAssertEqual(meta.byteCount, record.count)
            XCTAssertEqual(meta.packetCount, 3)
            XCTAssertTrue(meta.startsWithKeyframe)
            XCTAssertEqual(meta.logIndex, UInt64(i + 2))
            XCTAssertEqual(meta.hash, CatalogueHash.fnv1a64(record))
        }
        XCTAssertEqual(catalogue.retainedLogFloor, 2)

        XCTAssertEqual(catalogue.apply(entry: .streamRemoved(stream: 7), at: 6, term: 2), .streamRemoved(7))
        XCTAssertNil(catalogue.stream(7))
        XCTAssertTrue(catalogue.streams.isEmpty)
        XCTAssertEqual(catalogue.removedStreams, [7])
        XCTAssertNil(catalogue.firstMissingFragment(of: 7))
        XCTAssertNil(catalogue.retainedLogFloor)
        XCTAssertEqual(catalogue.appliedTerm, 2)
        // A removed id is never reused, and late entries for it change nothing.
        XCTAssertEqual(catalogue.apply(entry: .streamStarted(F.start(7)), at: 7, term: 2), .ignored(.removedStream(7)))
        XCTAssertEqual(catalogue.apply(entry: F.fragmentEntry(7, 3), at: 8, term: 2), .ignored(.removedStream(7)))
    }

    func testDuplicatesConflictsGapsAndStrangersChangeNothing() {
        var catalogue = Catalogue()
        apply([.streamStarted(F.start(1)), F.fragmentEntry(1, 0), F.fragmentEntry(1, 1)], to: &catalogue)
        let before = catalogue
        var restarted = F.start(1)
        restarted.startClusterTime = ClusterTime(nanoseconds: 9_000_000_000)  // a new leader's retry
        var renamed = F.start(1)
        renamed.name = "other"
        var badHeader = F.start(2)
        badHeader.headerRecord = [1, 2, 3]
        var shortHash = F.start(3)
        shortHash.source.sha256 = [1, 2]
        let wrongIndexInside = CatalogueEntry.fragment(stream: 1, index: 2, record: F.fragment(5).encoded()[...])
        var corrupted = F.fragment(2).encoded()
        corrupted[40] ^= 0xff
        let cases: [(CatalogueEntry, CatalogueRejection)] = [
            (.streamStarted(F.start(1)), .duplicateStart(1)),
            (.streamStarted(restarted), .duplicateStart(1)),
            (.streamStarted(renamed), .conflictingStart(1)),
            (.streamStarted(badHeader), .invalidStart(2, reason: "stream header: truncated record: needs 16 bytes, has 3")),
            (.streamStarted(shortHash), .invalidStart(3, reason: "source SHA-256 has 2 bytes, not 32")),
            (F.fragmentEntry(1, 1), .duplicateFragment(stream: 1, index: 1)),
            (F.fragmentEntry(1, 1, seed: 99),
             .conflictingFragment(
                stream: 1, index: 1, committedHash: CatalogueHash.fnv1a64(F.fragment(1).encoded()),
                proposedHash: CatalogueHash.fnv1a64(F.fragment(1, seed: 99).encoded()))),
            (F.fragmentEntry(1, 3), .fragmentOutOfOrder(stream: 1, index: 3, expected: 2)),
            (F.fragmentEntry(4, 0), .unknownStream(4)),
            (wrongIndexInside, .invalidFragment(stream: 1, index: 2, reason: "record holds fragment 5")),
            (.streamEnded(stream: 1, fragmentCount: 5, durationSeconds: 10), .endCountMismatch(stream: 1, claimed: 5, committed: 2)),
            (.streamEnded(stream: 3, fragmentCount: 0, durationSeconds: 0), .unknownStream(3)),
            (.streamRemoved(stream: 3), .unknownStream(3)),
        ]
        var index: UInt64 = 4
        for (entry, rejection) in cases {
            XCTAssertEqual(catalogue.apply(entry: entry, at: index, term: 1), .ignored(rejection), "\(entry.stream)")
            index += 1
        }
        let damaged = catalogue.apply(entry: .fragment(stream: 1, index: 2, record: corrupted[...]), at: index, term: 1)
        guard case .ignored(.invalidFragment(1, 2, let reason)) = damaged else { return XCTFail("\(damaged)") }
        XCTAssertTrue(reason.contains("CRC-32"), reason)
        index += 1
        XCTAssertEqual(catalogue.apply(payload: [0x52, 0x43], at: index, term: 1), .ignored(.undecodable(
            "truncated catalogue entry: needs 16 bytes, has 2")))
        index += 1
        XCTAssertNil(catalogue.apply(payload: [], at: index, term: 1), "a leader's empty entry")
        XCTAssertEqual(catalogue.apply(entry: F.fragmentEntry(1, 2), at: index, term: 1), .ignored(.alreadyApplied(logIndex: index)))
        // Only the applied index moved.
        XCTAssertEqual(catalogue.streams, before.streams)
        XCTAssertEqual(catalogue.removedStreams, before.removedStreams)
        XCTAssertEqual(catalogue.appliedIndex, index)

        // After the end: duplicates still read as duplicates, new fragments and other ends are refused.
        index += 1
        XCTAssertEqual(
            catalogue.apply(entry: .streamEnded(stream: 1, fragmentCount: 2, durationSeconds: 4), at: index, term: 1),
            .streamEnded(stream: 1, fragmentCount: 2))
        index += 1
        XCTAssertEqual(catalogue.apply(entry: F.fragmentEntry(1, 2), at: index, term: 1), .ignored(.streamEnded(1)))
        index += 1
        XCTAssertEqual(catalogue.apply(entry: F.fragmentEntry(1, 0), at: index, term: 1), .ignored(.duplicateFragment(stream: 1, index: 0)))
        index += 1
        XCTAssertEqual(
            catalogue.apply(entry: .streamEnded(stream: 1, fragmentCount: 2, durationSeconds: 4), at: index, term: 1),
            .ignored(.duplicateEnd(1)))
        index += 1
        XCTAssertEqual(
            catalogue.apply(entry: .streamEnded(stream: 1, fragmentCount: 3, durationSeconds: 4), at: index, term: 1),
            .ignored(.streamEnded(1)))
    }

    /// A log with a few streams, retries (duplicates), conflicts, gaps, unknown streams, removals, noise and
    /// leaders' empty entries, in a seeded random order.
    static func messyLog(seed: UInt64, length: Int = 300) -> [[UInt8]] {
        var rng = SeededGenerator(seed: seed)
        let streams: [StreamID] = [11, 22, 33]
        var next: [StreamID: Int] = [:]
        var started: Set<StreamID> = []
        var log: [[UInt8]] = []
        for position in 0..<length {
            let stream = streams.randomElement(using: &rng)!
            let roll = Int.random(in: 0..<100, using: &rng)
            let entry: CatalogueEntry?
            switch roll {
            case 0..<6:
                started.insert(stream)
                entry = .streamStarted(F.start(stream))
            case 6..<55:
                let n = next[stream, default: 0]
                if started.contains(stream) { next[stream] = n + 1 }
                entry = F.fragmentEntry(stream, n)
            case 55..<65: entry = F.fragmentEntry(stream, max(0, next[stream, default: 0] - Int.random(in: 1...3, using: &rng)))
            case 65..<70: entry = F.fragmentEntry(stream, max(0, next[stream, default: 0] - 1), seed: 5)
            case 70..<76: entry = F.fragmentEntry(stream, next[stream, default: 0] + Int.random(in: 1...3, using: &rng))
            case 76..<80: entry = F.fragmentEntry(99, 0)
            case 80..<84:
                entry =
                    position > length * 2 / 3
                    ? .streamEnded(stream: stream, fragmentCount: next[stream, default: 0], durationSeconds: 1) : nil
            case 84..<86: entry = position > length * 3 / 4 ? .streamRemoved(stream: stream) : nil
            case 86..<92: entry = nil
            default:
                log.append((0..<Int.random(in: 1..<40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
                continue
            }
            log.append(entry?.encoded() ?? [])
        }
        return log
    }

    func testEveryNodeBuildsTheSameCatalogueFromTheSameLog() throws {
        for seed: UInt64 in 1...4 {
            let log = Self.messyLog(seed: seed)
            var nodes = [Catalogue(), Catalogue(), Catalogue()]
            var events: [[CatalogueEvent?]] = [[], [], []]
            for (i, payload) in log.enumerated() {
                let index = UInt64(i + 1)
                events[0].append(nodes[0].apply(payload: payload, at: index, term: 1))
                // Node 2 decodes itself and applies entries, node 3 sees every entry delivered twice.
                if let entry = try? CatalogueEntry(decoding: payload) {
                    events[1].append(nodes[1].apply(entry: entry, at: index, term: 1))
                } else {
                    events[1].append(nodes[1].apply(payload: payload, at: index, term: 1))
                }
                events[2].append(nodes[2].apply(payload: payload, at: index, term: 1))
                XCTAssertEqual(nodes[2].apply(payload: payload, at: index, term: 1), .ignored(.alreadyApplied(logIndex: index)))
            }
            XCTAssertEqual(nodes[0], nodes[1], "seed \(seed)")
            XCTAssertEqual(nodes[0], nodes[2], "seed \(seed)")
            XCTAssertEqual(events[0], events[1])
            XCTAssertEqual(events[0], events[2])
            XCTAssertEqual(nodes[0].snapshot(), nodes[1].snapshot())
            XCTAssertEqual(nodes[0].snapshot(), nodes[2].snapshot())
            // The log exercised every path, and every stream holds its fragments in order, each once.
            func caseName(_ value: Any) -> String { Mirror(reflecting: value).children.first?.label ?? "\(value)" }
            let kinds = Set(events[0].compactMap { $0.map(caseName) })
            XCTAssertTrue(kinds.isSuperset(of: ["streamStarted", "fragmentCommitted", "ignored"]), "\(kinds)")
            let rejections = Set(events[0].compactMap { event -> String? in
                if case .ignored(let r)? = event { return caseName(r) }
                return nil
            })
            XCTAssertTrue(
                rejections.isSuperset(of: [
                    "duplicateFragment", "conflictingFragment", "fragmentOutOfOrder", "unknownStream", "undecodable",
                    "duplicateStart",
                ]), "\(rejections)")
            XCTAssertGreaterThan(events[0].filter { $0.map(caseName) == "fragmentCommitted" }.count, 20)
            for stream in nodes[0].streams {
                XCTAssertEqual(stream.fragments.map(\.index), Array(0..<stream.fragments.count))
                XCTAssertEqual(stream.fragments.map(\.logIndex), stream.fragments.map(\.logIndex).sorted())
            }
        }
    }

    func testSnapshotThenTheRestEqualsTheWholeLog() throws {
        let log = Self.messyLog(seed: 9)
        var whole = Catalogue()
        for (i, payload) in log.enumerated() { _ = whole.apply(payload: payload, at: UInt64(i + 1), term: 3) }
        XCTAssertGreaterThan(whole.streams.count + whole.removedStreams.count, 0)
        XCTAssertEqual(try Catalogue(snapshot: whole.snapshot()), whole)
        for cut in stride(from: 0, through: log.count, by: 37) {
            var prefix = Catalogue()
            for (i, payload) in log[..<cut].enumerated() { _ = prefix.apply(payload: payload, at: UInt64(i + 1), term: 3) }
            var restored = try Catalogue(snapshot: prefix.snapshot())
            XCTAssertEqual(restored, prefix, "cut \(cut)")
            for (i, payload) in log[cut...].enumerated() {
                let index = UInt64(cut + i + 1)
                _ = restored.apply(payload: payload, at: index, term: 3)
            }
            XCTAssertEqual(restored, whole, "cut \(cut)")
            XCTAssertEqual(restored.snapshot(), whole.snapshot(), "cut \(cut)")
        }
    }

    func testDamagedTruncatedAndForeignSnapshotsAreRefused() {
        var catalogue = Catalogue()
        apply(
            [.streamStarted(F.start(1)), F.fragmentEntry(1, 0), F.fragmentEntry(1, 1),
             .streamEnded(stream: 1, fragmentCount: 2, durationSeconds: 4), .streamStarted(F.start(2)),
             .streamRemoved(stream: 2)], to: &catalogue)
        let bytes = catalogue.snapshot()
        XCTAssertEqual(Array(bytes[0..<4]), Array("RCCS".utf8))
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try Catalogue(snapshot: Array(bytes[0..<length])), "length \(length)") { error in
                XCTAssertTrue("\(error)".contains("catalogue snapshot"), "\(error)")
            }
        }
        for offset in stride(from: 8, to: bytes.count, by: 7) {
            var damaged = bytes
            damaged[offset] ^= 0x10
            XCTAssertThrowsError(try Catalogue(snapshot: damaged), "offset \(offset)") { error in
                guard case .checksumMismatch? = error as? CatalogueDecodingError else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try Catalogue(snapshot: CatalogueEntry.streamRemoved(stream: 1).encoded())) { error in
            XCTAssertEqual(error as? CatalogueDecodingError, .badMagic("catalogue snapshot", found: Array("RCCE".utf8)))
        }
        var newer = bytes
        newer[4] = 3
        XCTAssertThrowsError(try Catalogue(snapshot: newer)) { error in
            XCTAssertEqual(error as? CatalogueDecodingError, .unsupportedVersion("catalogue snapshot", 3))
        }
    }

    func testFragmentBytesAreServedFromTheLogAndCheckedAgainstTheCatalogue() throws {
        let entries: [CatalogueEntry] = [.streamStarted(F.start(5))] + (0..<4).map { F.fragmentEntry(5, $0) }
        let storage = MemoryStorage()
        let memory = CatalogueMemoryFragmentStore()
        var catalogue = Catalogue()
        for (i, entry) in entries.enumerated() {
            let payload = entry.encoded()
            try storage.append([Entry(term: 1, index: UInt64(i + 1), data: payload)])
            memory.store(payload, atLogIndex: UInt64(i + 1))
            _ = catalogue.apply(payload: payload, at: UInt64(i + 1), term: 1)
        }
        let log = CatalogueLogFragmentStore(storage: storage)
        for i in 0..<4 {
            XCTAssertEqual(Array(try catalogue.record(stream: 5, index: i, in: log)), F.fragment(i).encoded())
            XCTAssertEqual(Array(try catalogue.record(stream: 5, index: i, in: memory)), F.fragment(i).encoded())
        }
        XCTAssertThrowsError(try catalogue.record(stream: 5, index: 4, in: log)) { error in
            XCTAssertEqual(error as? CatalogueReadError, .unknownFragment(stream: 5, index: 4))
        }
        // The catalogue keeps the log from its first fragment on; compacting past it loses bytes.
        XCTAssertEqual(catalogue.retainedLogFloor, 2)
        _ = try storage.createSnapshot(at: 3, confState: ConfState(), data: catalogue.snapshot())
        try storage.compact(upTo: 4)
        memory.compact(upTo: 4)
        XCTAssertThrowsError(try catalogue.record(stream: 5, index: 1, in: log)) { error in
            XCTAssertEqual(error as? CatalogueReadError, .store(.compacted(logIndex: 3)))
        }
        XCTAssertThrowsError(try catalogue.record(stream: 5, index: 1, in: memory)) { error in
            XCTAssertEqual(error as? CatalogueReadError, .store(.compacted(logIndex: 3)))
        }
        XCTAssertEqual(Array(try catalogue.record(stream: 5, index: 2, in: log)), F.fragment(2).encoded())
        // A store holding something else at that index is caught.
        let wrong = CatalogueMemoryFragmentStore()
        wrong.store(F.fragmentEntry(5, 3, seed: 8).encoded(), atLogIndex: 5)
        wrong.store(F.fragmentEntry(5, 0).encoded(), atLogIndex: 4)
        XCTAssertThrowsError(try catalogue.record(stream: 5, index: 3, in: wrong)) { error in
            XCTAssertEqual(error as? CatalogueReadError, .mismatch(stream: 5, index: 3, logIndex: 5, reason: "bytes differ"))
        }
        XCTAssertThrowsError(try catalogue.record(stream: 5, index: 2, in: wrong)) { error in
            XCTAssertEqual(error as? CatalogueReadError, .mismatch(stream: 5, index: 2, logIndex: 4, reason: "another entry"))
        }
    }

    func testRetainedLogFloorFollowsTheOldestStreamNotRemoved() {
        var catalogue = Catalogue()
        apply(
            [.streamStarted(F.start(1)), .streamStarted(F.start(2)), F.fragmentEntry(2, 0), F.fragmentEntry(1, 0),
             F.fragmentEntry(2, 1)], to: &catalogue)
        XCTAssertEqual(catalogue.retainedLogFloor, 3)
        XCTAssertEqual(catalogue.apply(entry: .streamRemoved(stream: 2), at: 6, term: 1), .streamRemoved(2))
        XCTAssertEqual(catalogue.retainedLogFloor, 4)
        XCTAssertEqual(catalogue.apply(entry: .streamRemoved(stream: 1), at: 7, term: 1), .streamRemoved(1))
        XCTAssertNil(catalogue.retainedLogFloor)
    }
}
