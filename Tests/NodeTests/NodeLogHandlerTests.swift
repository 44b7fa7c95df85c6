import Foundation
import Logging
import Node
import NIOConcurrencyHelpers
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// ``NodeLogHandler``: one line per record, stamped to the millisecond in UTC, metadata sorted; as JSON
/// one object per line that a collector parses back to the same fields. Behind ``EscapingLogHandler`` a
/// newline in a message stays on its line in both forms.
final class NodeLogHandlerTests: XCTestCase {
    /// 2026-12-03T23:55:09.191Z.
    static let fixed = timespec(tv_sec: 1_796_342_109, tv_nsec: 191_734_000)

    private func logger(_ format: NodeLogHandler.Format) -> (Logger, NIOLockedValueBox<[String]>) {
        let lines = NIOLockedValueBox<[String]>([])
        let handler = NodeLogHandler(label: "raftcast.node", format: format, now: { Self.fixed }) { line in
            lines.withLockedValue { $0.append(line) }
        }
        var logger = Logger(label: "raftcast.node") { _ in EscapingLogHandler(wrapping: handler) }
        logger[metadataKey: "role"] = "leader"
        logger[metadataKey: "node"] = "n1"
        return (logger, lines)
    }

    func testTextLinesCarryMillisecondsAndSortedMetadata() {
        let (logger, lines) = logger(.text)
        logger.info("role or leader changed", metadata: ["term": "3"])
        logger.error("a name\nwith a newline")
        XCTAssertEqual(
            lines.withLockedValue { $0 },
            [
                "2026-12-03T23:55:09.191Z info raftcast.node: node=n1 role=leader term=3 role or leader changed\n",
                "2026-12-03T23:55:09.191Z error raftcast.node: node=n1 role=leader a name\\nwith a newline\n",
            ])
    }

    func testJSONLinesParseBackToTheRecord() throws {
        let (logger, lines) = logger(.json)
        logger.warning("disk \"full\"\nforged", metadata: ["stream": "00000000000000ab", "fragments": .array(["1", "2"])])
        let written = lines.withLockedValue { $0 }
        XCTAssertEqual(written.count, 1)
        XCTAssertTrue(written[0].hasSuffix("}\n"))
        XCTAssertEqual(written[0].filter { $0 == "\n" }.count, 1, "one line")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        XCTAssertEqual(object["ts"] as? String, "2026-12-03T23:55:09.191Z")
        XCTAssertEqual(object["level"] as? String, "warning")
        XCTAssertEqual(object["label"] as? String, "raftcast.node")
        XCTAssertEqual(object["message"] as? String, "disk \"full\"\\nforged")
        let metadata = try XCTUnwrap(object["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["node"] as? String, "n1")
        XCTAssertEqual(metadata["stream"] as? String, "00000000000000ab")
        XCTAssertEqual(metadata["fragments"] as? [String], ["1", "2"])
    }

    func testTheWallClockStampIsNow() {
        let stamp = NodeLogHandler.timestamp(NodeLogHandler.wallClock())
        XCTAssertNotNil(stamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/), stamp)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: stamp)
        XCTAssertLessThan(abs(date?.timeIntervalSinceNow ?? 100), 5)
    }
}
