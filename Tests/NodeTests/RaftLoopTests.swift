import Broadcast
import Foundation
import Media
import Node
import NIOConcurrencyHelpers
import RaftcastClient
import TestSupport
import XCTest

/// The Raft loop in this process (one node, in-memory log), without HTTP or sockets: proposals are
/// applied in order and answered once applied and published, subscribers see every change exactly once and in log
/// order, a removed subscriber hears nothing more, and a stop ends the thread and refuses new work.
final class RaftLoopTests: XCTestCase {
    private var loop: RaftLoop?

    override func tearDown() async throws {
        if let loop {
            loop.requestStop()
            await loop.waitUntilStopped()
        }
        loop = nil
    }

    private func start() throws -> RaftLoop {
        let directory = ScratchDirectory.forProcess(prefix: "raftcast-raft-loop").appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let node = try InProcessNode.start(in: directory, secret: "raft-loop-secret-0123456789", name: "raft-loop")
        loop = node.loop
        return node.loop
    }

    /// The entry that starts stream `id`, encoded.
    private static func streamStart(_ id: StreamID) -> [UInt8] { CatalogueFixtures.streamStart(id).encoded() }

    func testALeadingLoopReportsItselfAndASubscriberStartsFromTheCurrentState() throws {
        let loop = try start()
        let subscription = loop.subscribe { _ in }
        XCTAssertEqual(subscription.leader, "n1")
        XCTAssertGreaterThan(subscription.term, 0)
        XCTAssertTrue(subscription.catalogue.streams.isEmpty)
        XCTAssertEqual(loop.report.role, "leader")
        XCTAssertEqual(loop.report.leader, "n1")
        XCTAssertEqual(loop.report.term, subscription.term)
        XCTAssertNil(loop.failure)
    }

    func testProposalsAreAppliedInOrderAndEverySubscriberSeesEachChangeOnceInLogOrder() async throws {
        let loop = try start()
        let seen = NIOLockedValueBox<[UInt64]>([])
        _ = loop.subscribe { events in
            for case .catalogue(let change) in events { seen.withLockedValue { $0.append(change.logIndex) } }
        }
        var indexes: [UInt64] = []
        for value in 0..<20 {
            switch await loop.propose(Self.streamStart(StreamID(UInt64(value + 1))), timeout: .seconds(5)) {
            case .applied(let index, let term):
                XCTAssertEqual(term, loop.report.term)
                // Answered only once the iteration that applied it is published: the caller reads it at once.
                XCTAssertNotNil(loop.catalogue.stream(StreamID(UInt64(value + 1))), "proposal \(value) applied but not published")
                XCTAssertGreaterThanOrEqual(loop.report.appliedIndex, index)
                indexes.append(index)
            case let other:
                return XCTFail("proposal \(value): \(other)")
            }
        }
        XCTAssertEqual(indexes, Array(indexes[0]..<indexes[0] + 20), "consecutive log indexes, in proposal order")
        XCTAssertEqual(loop.catalogue.streams.map(\.id), (1...20).map { StreamID($0) })
        let all = try await eventually("every change published", timeout: .seconds(5)) { () -> [UInt64]? in
            let got = seen.withLockedValue { $0 }
            return got.count >= indexes.count ? got : nil
        }
        XCTAssertEqual(all.filter { indexes.contains($0) }, indexes, "once each, in log order")
        XCTAssertEqual(all, all.sorted())
        XCTAssertEqual(Set(all).count, all.count, "no change twice")
    }

    func testARemovedSubscriberHearsNothingMore() async throws {
        let loop = try start()
        let heard = NIOLockedValueBox(0)
        let subscription = loop.addSubscriber { events in heard.withLockedValue { $0 += events.count } }
        guard case .applied = await loop.propose(Self.streamStart(1), timeout: .seconds(5)) else { return XCTFail("not applied") }
        try await eventually("the first change heard", timeout: .seconds(5)) { heard.withLockedValue { $0 } > 0 }
        loop.removeSubscriber(subscription.token)
        // A change applied after the removal, and one more to be sure publishing went past it.
        let countAtRemoval = heard.withLockedValue { $0 }
        let control = NIOLockedValueBox(0)
        _ = loop.subscribe { events in control.withLockedValue { $0 += events.count } }
        for id in 2...4 {
            guard case .applied = await loop.propose(Self.streamStart(StreamID(UInt64(id))), timeout: .seconds(5)) else { return XCTFail("not applied") }
        }
        try await eventually("a subscriber still present hears the later changes", timeout: .seconds(5)) {
            control.withLockedValue { $0 } >= 3
        }
        // At most one delivery may race the removal (documented); none after it.
        XCTAssertLessThanOrEqual(heard.withLockedValue { $0 } - countAtRemoval, 1)
    }

    func testAStoppedLoopEndsItsThreadAndRefusesNewProposals() async throws {
        let loop = try start()
        loop.requestStop()
        await loop.waitUntilStopped()
        let outcome = await loop.propose(Self.streamStart(9), timeout: .seconds(5))
        XCTAssertEqual(outcome, .timedOut, "answered at once, not after the timeout")
        await loop.waitUntilStopped()  // idempotent
        self.loop = nil
    }
}
