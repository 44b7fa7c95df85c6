import Broadcast
import Foundation
import Media
import Raft
import TestSupport
import XCTest

@testable import Node

/// The leader-side ingest driver without threads or sockets: proposals go to a closure, commits are fed back
/// by hand.
final class IngestCoordinatorTests: XCTestCase {
    static let sample = StreamsAPITests.sample("sample.mp3")

    static func source(_ path: String, name: String = "sample.mp3") throws -> CatalogueSource {
        let size = try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value)
        return CatalogueSource(fileName: name, size: size, sha256: try MediaLibrary.sha256(ofFileAt: path))
    }

    static func request(id: StreamID, path: String, paced: Bool = false) throws -> IngestRequest {
        IngestRequest(
            streamID: id, name: "sample", path: path, source: try source(path), fragmentSeconds: 2,
            expectedFragmentCount: 6, isPaced: paced, isUpload: false)
    }

    /// Applies `payloads` to `catalogue` from log index `next` on, feeding the coordinator.
    static func commit(_ payloads: [[UInt8]], to catalogue: inout Catalogue, next: inout UInt64, coordinator: IngestCoordinator) {
        var changes: [CatalogueChange] = []
        for payload in payloads {
            if let change = catalogue.applyChange(payload: payload, at: next, term: 1) { changes.append(change) }
            next += 1
        }
        coordinator.applied(changes, catalogue: catalogue, now: .zero)
    }

    func testADeposedLeaderStopsProposingAndANewLeaderGoesOnWithoutDuplicates() throws {
        var messages: [String] = []
        let old = IngestCoordinator(playoutDelay: .milliseconds(1500), maxUncommittedBytes: 1 << 20, library: nil) {
            messages.append($0)
        }
        var catalogue = Catalogue()
        var next: UInt64 = 1
        XCTAssertEqual(old.start(try Self.request(id: 7, path: Self.sample), catalogue: catalogue), .started)
        var proposed: [[UInt8]] = []
        old.pump(now: .zero) { proposed.append($0); return .success(UInt64(proposed.count)) }
        XCTAssertEqual(proposed.count, 1, "the stream start first, alone")
        Self.commit(proposed, to: &catalogue, next: &next, coordinator: old)
        proposed = []
        old.pump(now: .zero) { proposed.append($0); return .success(UInt64(proposed.count)) }
        XCTAssertEqual(proposed.count, 6, "all six fragments fit the budget")
        Self.commit(Array(proposed.prefix(2)), to: &catalogue, next: &next, coordinator: old)

        // Deposed: nothing more is proposed, the status says why.
        old.leadershipLost(leader: 2)
        var afterLoss = 0
        old.pump(now: .zero) { _ in afterLoss += 1; return .success(0) }
        XCTAssertEqual(afterLoss, 0)
        XCTAssertFalse(old.isActive)
        XCTAssertEqual(old.statuses[7]?.active, false)
        XCTAssertTrue(old.statuses[7]?.error?.contains("leadership") ?? false, "\(String(describing: old.statuses[7]))")

        // One of the old leader's later proposals commits under the new leader (it was in flight).
        Self.commit([proposed[2]], to: &catalogue, next: &next, coordinator: old)
        let new = IngestCoordinator(playoutDelay: .milliseconds(1500), maxUncommittedBytes: 1 << 20, library: nil) { _ in }
        XCTAssertEqual(new.start(try Self.request(id: 7, path: Self.sample), catalogue: catalogue), .started)
        var resumed: [[UInt8]] = []
        for _ in 0..<4 {
            new.pump(now: .zero) { resumed.append($0); return .success(0) }
            Self.commit(resumed, to: &catalogue, next: &next, coordinator: new)
            resumed = []
        }
        let stream = try XCTUnwrap(catalogue.stream(7))
        XCTAssertTrue(stream.hasEnded)
        XCTAssertEqual(stream.fragments.map(\.index), Array(0..<6))
        XCTAssertEqual(new.statuses[7]?.error, nil)
        XCTAssertEqual(new.start(try Self.request(id: 7, path: Self.sample), catalogue: catalogue), .alreadyComplete)
        XCTAssertTrue(messages.first?.contains("started at fragment 0 of 6") ?? false, "\(messages)")
    }

    func testConflictsAndUnreadableFilesAreRefused() throws {
        let coordinator = IngestCoordinator(playoutDelay: .seconds(1), maxUncommittedBytes: 1 << 20, library: nil) { _ in }
        var catalogue = Catalogue()
        var next: UInt64 = 1
        XCTAssertEqual(coordinator.start(try Self.request(id: 3, path: Self.sample), catalogue: catalogue), .started)
        var proposed: [[UInt8]] = []
        coordinator.pump(now: .zero) { proposed.append($0); return .success(0) }
        Self.commit(proposed, to: &catalogue, next: &next, coordinator: coordinator)
        var other = try Self.request(id: 3, path: Self.sample)
        other.name = "another name"
        guard case .conflict = coordinator.start(other, catalogue: catalogue) else { return XCTFail("a conflict expected") }
        var paced = try Self.request(id: 3, path: Self.sample)
        paced.isPaced = true
        guard case .conflict = coordinator.start(paced, catalogue: catalogue) else { return XCTFail("a conflict expected") }
        var missing = try Self.request(id: 4, path: Self.sample)
        missing.path = "/nonexistent/sample.mp3"
        guard case .failed(let reason) = coordinator.start(missing, catalogue: catalogue) else { return XCTFail("failure expected") }
        XCTAssertFalse(reason.isEmpty)
    }

    func testANewLeaderResumesFromTheLibraryOnlyAFileWithTheSameContent() throws {
        let library = ScratchDirectory.forProcess(prefix: "raftcast-library").appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
        // A different file under the stream's file name, and the real content under another name.
        try Data(repeating: 1, count: 1000).write(to: library.appendingPathComponent("sample.mp3"))
        try FileManager.default.copyItem(atPath: Self.sample, toPath: library.appendingPathComponent("renamed.mp3").path)

        // The old leader committed the start and two fragments.
        let old = IngestCoordinator(playoutDelay: .seconds(1), maxUncommittedBytes: 1 << 20, library: nil) { _ in }
        var catalogue = Catalogue()
        var next: UInt64 = 1
        XCTAssertEqual(old.start(try Self.request(id: 9, path: Self.sample, paced: true), catalogue: catalogue), .started)
        var proposed: [[UInt8]] = []
        old.pump(now: .zero) { proposed.append($0); return .success(0) }
        Self.commit(proposed, to: &catalogue, next: &next, coordinator: old)
        proposed = []
        old.pump(now: ClusterTime.zero + .seconds(1)) { proposed.append($0); return .success(0) }
        Self.commit(Array(proposed.prefix(2)), to: &catalogue, next: &next, coordinator: old)
        old.leadershipLost(leader: nil)

        let new = IngestCoordinator(
            playoutDelay: .seconds(1), maxUncommittedBytes: 1 << 20, library: MediaLibrary(directory: library.path)
        ) { _ in }
        new.resumeFromLibrary(catalogue: catalogue)
        XCTAssertTrue(new.isActive, "the stream resumed from renamed.mp3 (same size and SHA-256)")
        for second in 0..<30 {
            var resumed: [[UInt8]] = []
            new.pump(now: ClusterTime.zero + .seconds(second)) { resumed.append($0); return .success(0) }
            Self.commit(resumed, to: &catalogue, next: &next, coordinator: new)
        }
        XCTAssertEqual(catalogue.stream(9)?.fragments.map(\.index), Array(0..<6))
        XCTAssertTrue(catalogue.stream(9)?.hasEnded ?? false)

        // A library without the content: nothing starts.
        let empty = IngestCoordinator(
            playoutDelay: .seconds(1), maxUncommittedBytes: 1 << 20,
            library: MediaLibrary(directory: library.appendingPathComponent("none").path)
        ) { _ in }
        var unfinished = Catalogue()
        var index: UInt64 = 1
        Self.commit([try XCTUnwrap(catalogueStart(of: catalogue, id: 9))], to: &unfinished, next: &index, coordinator: empty)
        XCTAssertNotNil(unfinished.stream(9))
        empty.resumeFromLibrary(catalogue: unfinished)
        XCTAssertFalse(empty.isActive)
    }

    /// The encoded start entry of stream `id` in `catalogue`.
    private func catalogueStart(of catalogue: Catalogue, id: StreamID) -> [UInt8]? {
        catalogue.stream(id).map { CatalogueEntry.streamStarted($0.start).encoded() }
    }
}
