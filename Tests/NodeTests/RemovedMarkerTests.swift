import Foundation
import Node
import XCTest

/// The removed marker in a data dir, and the peer refusals a node reports.
final class RemovedMarkerTests: XCTestCase {
    func testTheMarkerIsWrittenDurablyAndReadBackAsOneEscapedLine() throws {
        let directory = try RouteTesting.directory(for: self, prefix: "raftcast-removed")
        XCTAssertNil(try RemovedMarker.read(in: directory.path))
        XCTAssertNil(try RemovedMarker.read(in: directory.appendingPathComponent("missing").path))
        try RemovedMarker.record(member: "kitchen", index: 1234, term: 7, in: directory.path)
        XCTAssertEqual(try RemovedMarker.read(in: directory.path), "removed kitchen at log index 1234 in term 7")
        XCTAssertEqual(
            try String(contentsOf: directory.appendingPathComponent("removed"), encoding: .utf8),
            "removed kitchen at log index 1234 in term 7\n")
        // A hostile marker is shown escaped and bounded; its presence is what counts.
        try Data([0x1b, 0x5b, 0x32, 0x4a] + [UInt8](repeating: 0x41, count: 1000)).write(to: directory.appendingPathComponent("removed"))
        let text = try XCTUnwrap(try RemovedMarker.read(in: directory.path))
        XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 })
        XCTAssertLessThanOrEqual(text.utf8.count, RemovedMarker.maxBytes + 8)
    }

    func testPeerRefusalsShowRecentOnesGroupedByReason() {
        let refusals = PeerRefusals(logger: .init(label: "peer-refusals-test"))
        let start = ContinuousClock.now
        XCTAssertNil(refusals.notice(now: start))
        refusals.refused(peer: "n2", reason: "not a member", now: start)
        refusals.refused(peer: "n1", reason: "not a member", now: start)
        refusals.refused(peer: "n3", reason: "odd\nreason", now: start)
        XCTAssertEqual(refusals.notice(now: start), "refused by n1, n2: not a member; refused by n3: odd\\nreason")
        XCTAssertNil(refusals.notice(now: start + PeerRefusals.shownFor), "old refusals are not shown")
    }
}
