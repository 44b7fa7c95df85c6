import Broadcast
import Foundation
import Logging
import Media
import Raft
import RaftStorage
import RaftcastClient
import TestSupport
import XCTest

@testable import Node

/// Retention in real Raft loops (issue 15, "retention (the log stays bounded over 200 short queued items)"):
/// the leader removes the finished streams the policy names, the snapshot policy compacts the log below
/// them, the data folder stays small, and followers never propose a removal.
final class RetentionLoopTests: XCTestCase {
    static let directory = ScratchDirectory.forProcess(prefix: "raftcast-retention-tests")
    static let secret = "retention-test-secret-0123456789"
    private static let lock = NSLock()

    /// A 0.5 s MP3 (make-media.sh `mp3-cbr`), made once per process; every item is this file under its own
    /// stream id.
    static func shortItem() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let path = directory.appendingPathComponent("item.mp3").path
        if !FileManager.default.fileExists(atPath: path) {
            let made = try ToolProcess.run(
                PythonTools.repositoryRoot.appendingPathComponent("scripts/make-media.sh").path, ["mp3-cbr", "0.5", path])
            guard made.status == 0 else { throw ToolFailure(command: "make-media.sh mp3-cbr 0.5", stderr: made.stderrText) }
        }
        return path
    }

    static func request(_ id: StreamID, path: String) throws -> IngestRequest {
        var fragments = 0
        let fragmenter = try MediaSource(path: path).fragments(targetSeconds: 2)
        while try fragmenter.next() != nil { fragments += 1 }
        return IngestRequest(
            streamID: id, name: "item \(id.rawValue)", path: path,
            source: try IngestCoordinatorTests.source(path, name: "item.mp3"), fragmentSeconds: 2,
            expectedFragmentCount: fragments, isPaced: false, isUpload: false)
    }

    /// The value of the counter `name` in a Prometheus exposition.
    static func counter(_ name: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1)).map { Int($0) }
        }
        return nil
    }

    /// Bytes of every file under `path`.
    static func bytes(under path: String) -> Int {
        let files = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        return files.reduce(0) { sum, file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(path)/\(file)")
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { return sum }
            return sum + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }

    func testTheLogStaysBoundedOverTwoHundredShortQueuedItems() async throws {
        let item = try Self.shortItem()
        let request = try Self.request(0, path: item)
        let keep = 5
        let items = 200
        let folder = Self.directory.appendingPathComponent("bounded-\(UUID().uuidString)")
        let wal = folder.appendingPathComponent("data/wal").path
        try FileManager.default.createDirectory(atPath: wal, withIntermediateDirectories: true)
        // Small segments, so that compaction frees whole files at this scale (a node uses 64 MiB ones).
        let storage = try DurableLogStorage(
            directory: wal, options: .init(segmentSize: 64 << 10, cacheBytes: 1 << 20),
            confState: ConfState(voters: [ClusterConfig.raftID(for: "n1")]))
        let time = SteppedClusterTime()
        let node = try InProcessNode.start(
            in: folder, secret: Self.secret, name: "retention",
            settings: ["playout_delay_ms: 100", "retention: {keep_streams: \(keep)}"], storage: storage,
            snapshotPolicy: SnapshotPolicy(entries: 20, bytes: 0, keptTail: 10), clusterTime: time)
        addTeardownBlock {
            node.loop.requestStop()
            await node.loop.waitUntilStopped()
        }

        let started = ContinuousClock.now
        var ingestedBytes = 0
        var fragmentLogIndex: [StreamID: UInt64] = [:]
        var mostFinished = 0
        for n in 1...items {
            let id = StreamID(UInt64(n))
            var itemRequest = request
            itemRequest.streamID = id
            itemRequest.name = "item \(n)"
            let result = await node.loop.startIngest(itemRequest)
            XCTAssertEqual(result, .started, "item \(n)")
            let stream = try await eventually("item \(n) ends", timeout: .seconds(10)) {
                node.loop.catalogue.stream(id).flatMap { $0.hasEnded ? $0 : nil }
            }
            ingestedBytes += stream.committedBytes
            fragmentLogIndex[id] = stream.fragments.last?.logIndex
            mostFinished = max(mostFinished, node.loop.catalogue.streams.filter(\.isFinal).count)
            // Item n plays out: 100 ms playout delay + 0.5 s + the policy's 5 s margin are behind us.
            time.advance(by: .seconds(10))
        }
        let removed = items - keep
        try await eventually("retention keeps the newest \(keep) items", timeout: .seconds(10)) {
            node.loop.catalogue.removedStreams.count == removed
        }
        let catalogue = node.loop.catalogue
        let elapsed = started.duration(to: .now)
        XCTAssertEqual(catalogue.streams.map(\.id), (items - keep + 1...items).map { StreamID(UInt64($0)) })
        XCTAssertEqual(catalogue.removedStreams, Set((1...removed).map { StreamID(UInt64($0)) }))
        // Removal kept pace with ingest: besides the newest `keep`, at most the removals in flight waited.
        XCTAssertLessThanOrEqual(mostFinished, keep + RetentionCoordinator.maximumInFlight)

        // The log was compacted below the removed streams: nothing older than the last few removed items
        // is left (compaction goes up to the newest snapshot below the retained floor, which is at most one
        // snapshot interval and the kept tail behind it).
        let firstIndex = try storage.firstIndex()
        let newestRemovedFragment = try XCTUnwrap(fragmentLogIndex[StreamID(UInt64(removed))])
        let compactedItems = (1...removed).filter { fragmentLogIndex[StreamID(UInt64($0))]! < firstIndex }.count
        XCTAssertGreaterThan(firstIndex, try XCTUnwrap(fragmentLogIndex[StreamID(UInt64(removed - 15))]))
        XCTAssertLessThanOrEqual(firstIndex, try XCTUnwrap(catalogue.retainedLogFloor), "no retained fragment is compacted")
        for id in catalogue.streams.map(\.id) {
            let logIndex = try XCTUnwrap(catalogue.fragments(of: id).first?.logIndex)
            XCTAssertNoThrow(try node.loop.fragmentRecord(atLogIndex: logIndex), "the kept item \(id) is still served")
        }

        // The data folder (WAL segments + snapshot) holds a few items, not 200.
        let dataBytes = Self.bytes(under: folder.appendingPathComponent("data").path)
        let bound = ingestedBytes / 4
        print(
            "retention: \(items) items of \(request.expectedFragmentCount) fragment(s), \(ingestedBytes) fragment bytes "
                + "ingested in \(elapsed); keep_streams \(keep): \(catalogue.streams.count) kept, "
                + "\(catalogue.removedStreams.count) removed, at most \(mostFinished) finished at once; log first index "
                + "\(firstIndex) (last removed item's fragment at \(newestRemovedFragment), \(compactedItems) of "
                + "\(removed) removed items compacted away, retained floor \(catalogue.retainedLogFloor ?? 0), last "
                + "index \(try storage.lastIndex())); data folder \(dataBytes) bytes (bound \(bound))")
        XCTAssertLessThan(dataBytes, bound)
        let metrics = node.metrics.render()
        XCTAssertEqual(Self.counter("raftcast_streams_removed_total", in: metrics), removed)
        let promtool = try XCTUnwrap(
            ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "promtool is required (Debian package prometheus; scripts/bootstrap.sh installs it)")
        let check = try ToolProcess.run(promtool, ["check", "metrics"], timeout: 30, input: Data(metrics.utf8))
        XCTAssertEqual(check.status, 0, "promtool: \(check.stdoutText)\(check.stderrText)")
    }

    func testOnlyTheLeaderProposesRemovalsAndANewLeaderTakesOver() async throws {
        let item = try Self.shortItem()
        let request = try Self.request(0, path: item)
        let folder = Self.directory.appendingPathComponent("three-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = try ThreeLoops.start(in: folder, settings: ["playout_delay_ms: 100", "retention: {keep_streams: 2}"])
        addTeardownBlock { await cluster.stop() }

        func ingest(_ numbers: ClosedRange<Int>, on leader: ThreeLoops.Node) async throws {
            for n in numbers {
                var itemRequest = request
                itemRequest.streamID = StreamID(UInt64(n))
                itemRequest.name = "item \(n)"
                let result = await leader.loop.startIngest(itemRequest)
                XCTAssertEqual(result, .started, "item \(n)")
                try await eventually("item \(n) ends", timeout: .seconds(10)) {
                    leader.loop.catalogue.stream(StreamID(UInt64(n)))?.hasEnded == true
                }
                cluster.time.advance(by: .seconds(10))
            }
        }
        func removals(_ node: ThreeLoops.Node) -> Int? {
            Self.counter("raftcast_streams_removed_total", in: node.metrics.render())
        }
        /// The `streamRemoved` entries in `node`'s log.
        func removalEntries(_ node: ThreeLoops.Node) throws -> [StreamID] {
            let entries = try node.storage.entries(
                from: node.storage.firstIndex(), to: node.storage.lastIndex() + 1, maxBytes: .max)
            return entries.compactMap { entry in
                guard entry.kind == .normal, !entry.data.isEmpty,
                    case .streamRemoved(let id) = try? CatalogueEntry(decoding: entry.data[...])
                else { return nil }
                return id
            }
        }

        let first = try await cluster.leader(among: cluster.nodes)
        try await ingest(1...6, on: first)
        for node in cluster.nodes {
            try await eventually("\(node.id) keeps items 5 and 6", timeout: .seconds(10)) {
                node.loop.catalogue.streams.map(\.id) == [5, 6]
            }
        }
        for node in cluster.nodes {
            XCTAssertEqual(try removalEntries(node), [1, 2, 3, 4], "\(node.id): each removal proposed once, in order")
            XCTAssertEqual(removals(node), node.id == first.id ? 4 : 0, "\(node.id) (leader: \(first.id))")
        }

        // The leader goes; one of the others leads and removes from then on; the follower still never does.
        await first.stop()
        let rest = cluster.nodes.filter { $0.id != first.id }
        let second = try await cluster.leader(among: rest)
        try await ingest(7...9, on: second)
        for node in rest {
            try await eventually("\(node.id) keeps items 8 and 9", timeout: .seconds(10)) {
                node.loop.catalogue.streams.map(\.id) == [8, 9]
            }
        }
        for node in rest {
            XCTAssertEqual(try removalEntries(node), [1, 2, 3, 4, 5, 6, 7], "\(node.id)")
            XCTAssertEqual(removals(node), node.id == second.id ? 3 : 0, "\(node.id) (leader: \(second.id))")
        }
    }
}
