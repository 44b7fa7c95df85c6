import Broadcast
import Foundation
import Hummingbird
import HummingbirdTesting
import Media
@testable import Node
import RaftcastClient
import TestSupport
import XCTest

/// `GET /v1/live/index.m3u8` in-process over a ``BackendTwin`` holding two programme items of a real MP4
/// (`mp4-bframes`, 10 s, 2 s fragments): it lists each item's segments by their per-stream URIs with the
/// cluster time they are heard at, a discontinuity between the items, only up to the clock plus the playout
/// delay, with sequence numbers that run on as the window slides; 503 without a synchronized clock.
final class LiveRouteTests: XCTestCase {
    static let secret = "live-route-secret-0123456789"
    static let first: StreamID = 0xa1
    static let second: StreamID = 0xb2

    /// Commits two ended streams of `fragments`, both queued from cluster time 5 s.
    private func backend() throws -> (BackendTwin, [Fragment], StreamHeader) {
        let path = try ScriptMedia.make(kind: "mp4-bframes", seconds: 10, name: "live-route-bframes.mp4")
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: 2)
        var fragments: [Fragment] = []
        while let fragment = try fragmenter.next() { fragments.append(fragment) }
        let twin = BackendTwin()
        for id in [Self.first, Self.second] {
            twin.commit(
                .streamStarted(
                    CatalogueStreamStart(
                        id: id, name: "item \(id)", source: CatalogueSource(fileName: "b.mp4", size: 1, sha256: CatalogueHash.sha256([1])),
                        headerRecord: source.header.encoded(), startClusterTime: ClusterTime(nanoseconds: 5_000_000_000),
                        fragmentSeconds: 2, isPaced: false)))
            for fragment in fragments {
                twin.commit(.fragment(stream: id, index: fragment.index, record: fragment.encoded()[...]))
            }
            twin.commit(
                .streamEnded(stream: id, fragmentCount: fragments.count, durationSeconds: fragments.reduce(0) { $0 + $1.durationSeconds }))
        }
        return (twin, fragments, source.header)
    }

    private func playlist(_ twin: BackendTwin, at seconds: Double, _ api: NodeHTTPAPI) async throws -> String {
        twin.now = ClusterTime(nanoseconds: Int64(seconds * 1e9))
        return try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/live/index.m3u8", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "application/vnd.apple.mpegurl")
                XCTAssertEqual(response.headers[.cacheControl], "no-cache")
                return String(buffer: response.body)
            }
        }
    }

    static func uris(_ text: String) -> [String] { text.split(separator: "\n").filter { $0.hasPrefix("/v1/") }.map(String.init) }

    func testItListsBothItemsOnTheClusterTimelineAndSlides() async throws {
        let (twin, fragments, header) = try backend()
        let api = try RouteTesting.api(twin: twin, for: self, secret: Self.secret)
        let itemSeconds = try XCTUnwrap(twin.catalogue.programmeSchedule().first?.end).nanoseconds - 5_000_000_000
        // At 5 s, with the twin's 1.5 s playout delay (less 0.1 s): fragments 0 (5 s) of the first item only.
        let early = try await playlist(twin, at: 5, api)
        XCTAssertEqual(Self.uris(early), ["/v1/streams/\(Self.first)/hls/0.m4s"])
        XCTAssertTrue(early.contains("#EXT-X-MAP:URI=\"/v1/streams/\(Self.first)/hls/init.mp4\""))
        XCTAssertTrue(early.contains("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"))
        XCTAssertTrue(early.contains("#EXT-X-RAFTCAST-ITEM:STREAM=\"\(Self.first)\",FORMAT=fmp4,CODECS=\"\(FMP4Writer(header: header).codecs)\""))
        XCTAssertTrue(early.contains("#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:05.000Z"), early)

        // Just after the first item's end: all of it, then a discontinuity and the second's first fragment.
        let later = try await playlist(twin, at: 5 + Double(itemSeconds) / 1e9, api)
        let expected = fragments.map { "/v1/streams/\(Self.first)/hls/\($0.index).m4s" } + ["/v1/streams/\(Self.second)/hls/0.m4s"]
        XCTAssertEqual(Self.uris(later), expected)
        XCTAssertEqual(later.components(separatedBy: "#EXT-X-DISCONTINUITY\n").count, 2, "one discontinuity, between the items")
        XCTAssertTrue(later.contains("#EXT-X-MEDIA-SEQUENCE:0\n"), "nothing slid out yet")
        // The second item's first segment is heard where the first item ends.
        XCTAssertTrue(later.contains("#EXT-X-RAFTCAST-SEGMENT:AT-NS=\(5_000_000_000 + itemSeconds),"), later)

        // 40 s later the window (30 s) has moved past the first item: numbers run on.
        let slid = try await playlist(twin, at: 5 + Double(itemSeconds) / 1e9 + 30 + 4.5, api)
        let remaining = Self.uris(slid)
        XCTAssertTrue(remaining.allSatisfy { $0.hasPrefix("/v1/streams/\(Self.second)/") }, "\(remaining)")
        let firstIndex = try XCTUnwrap(remaining.first.flatMap { Int($0.split(separator: "/").last!.split(separator: ".")[0]) })
        XCTAssertTrue(slid.contains("#EXT-X-MEDIA-SEQUENCE:\(fragments.count + firstIndex)\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), slid)
        XCTAssertFalse(slid.contains("#EXT-X-DISCONTINUITY\n"))
    }

    func testWithoutASynchronizedClockItIs503() async throws {
        let (twin, _, _) = try backend()
        twin.now = nil
        let api = try RouteTesting.api(twin: twin, for: self, secret: Self.secret)
        try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/live/index.m3u8", method: .get) { response in
                XCTAssertEqual(response.status, .serviceUnavailable)
                XCTAssertEqual(response.headers[.retryAfter], "1")
                XCTAssertTrue(String(buffer: response.body).contains("clock-not-synchronized"))
            }
        }
    }

    func testSequenceNumbersRunOnAndRenumberWhenTheyCannot() {
        typealias K = LiveSequenceNumbers.Key
        XCTAssertEqual(LiveSequenceNumbers.continuing([K](), numbers: [:], next: 7), 7)
        let a = K(stream: 1, fragment: 0), b = K(stream: 1, fragment: 1), c = K(stream: 2, fragment: 0)
        XCTAssertEqual(LiveSequenceNumbers.continuing([a, b], numbers: [:], next: 0), 0)
        XCTAssertEqual(LiveSequenceNumbers.continuing([b, c], numbers: [a: 0, b: 1], next: 2), 1, "slid by one, one new")
        XCTAssertEqual(LiveSequenceNumbers.continuing([a, c], numbers: [a: 0, b: 1], next: 2), 2, "b vanished from the middle: afresh")
        XCTAssertEqual(LiveSequenceNumbers.continuing([c, a], numbers: [a: 0], next: 1), 1, "a new one before a numbered one: afresh")
    }
}
