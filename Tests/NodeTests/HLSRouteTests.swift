import Broadcast
import Foundation
import Hummingbird
import HummingbirdTesting
import Media
import Node
import RaftcastClient
import TestSupport
import XCTest

/// `/v1/streams/{id}/hls/*` in-process (Hummingbird's router test mode) over a ``BackendTwin`` holding a
/// real MP4's committed fragments: the playlist lists only committed fragments (no-cache, `EXT-X-ENDLIST`
/// once ended), segments are the writer's bytes with year-long immutable caching, an ETag that answers
/// `If-None-Match` with 304, HEAD without a body, 404s for what does not exist; a segment is read from the
/// log and remuxed once however often it is asked for.
final class HLSRouteTests: XCTestCase {
    static let secret = "hls-route-secret-0123456789"
    static let stream: StreamID = 0x4c5

    /// A twin with the first `committed` fragments of `mp4-bframes` (10 s, 2 s fragments) committed, and
    /// the writer's bytes for comparison.
    private struct Fixture {
        let backend = BackendTwin()
        var header: StreamHeader
        var fragments: [Fragment]
    }

    private func fixture(committed: Int? = nil, ended: Bool = false) throws -> Fixture {
        let path = try ScriptMedia.make(kind: "mp4-bframes", seconds: 10, name: "hls-route-bframes.mp4")
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: 2)
        var fragments: [Fragment] = []
        while let fragment = try fragmenter.next() { fragments.append(fragment) }
        let fixture = Fixture(header: source.header, fragments: fragments)
        fixture.backend.commit(
            .streamStarted(
                CatalogueStreamStart(
                    id: Self.stream, name: "bframes", source: CatalogueSource(fileName: "b.mp4", size: 1, sha256: CatalogueHash.sha256([1])),
                    headerRecord: source.header.encoded(), startClusterTime: ClusterTime(nanoseconds: 5_000_000_000),
                    fragmentSeconds: 2, isPaced: false)))
        for fragment in fragments.prefix(committed ?? fragments.count) {
            fixture.backend.commit(.fragment(stream: Self.stream, index: fragment.index, record: fragment.encoded()[...]))
        }
        if ended {
            fixture.backend.commit(
                .streamEnded(stream: Self.stream, fragmentCount: fragments.count, durationSeconds: fragments.reduce(0) { $0 + $1.durationSeconds }))
        }
        return fixture
    }

    private func application(_ backend: BackendTwin) throws -> some ApplicationProtocol {
        Application(router: try RouteTesting.api(twin: backend, for: self, secret: Self.secret).makeRouter())
    }

    private static let base = "/v1/streams/\(stream)/hls"

    func testThePlaylistListsOnlyCommittedFragmentsAndEndsOnceTheStreamEnded() async throws {
        let live = try fixture(committed: 3)
        try await application(live.backend).test(.router) { client in
            try await client.execute(uri: "\(Self.base)/index.m3u8", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "application/vnd.apple.mpegurl")
                XCTAssertEqual(response.headers[.cacheControl], "no-cache")
                let text = String(buffer: response.body)
                XCTAssertTrue(text.hasPrefix("#EXTM3U\n#EXT-X-VERSION:7\n"), text)
                XCTAssertTrue(text.contains("#EXT-X-MAP:URI=\"init.mp4\"\n"), text)
                XCTAssertEqual(text.split(separator: "\n").filter { $0.hasSuffix(".m4s") }, ["0.m4s", "1.m4s", "2.m4s"])
                XCTAssertFalse(text.contains("#EXT-X-ENDLIST"), text)
                let longest = live.fragments.prefix(3).map(\.durationSeconds).max() ?? 0
                let target = text.split(separator: "\n").first { $0.hasPrefix("#EXT-X-TARGETDURATION:") }
                    .flatMap { Double($0.dropFirst("#EXT-X-TARGETDURATION:".count)) } ?? 0
                XCTAssertGreaterThanOrEqual(target, longest)
            }
            try await client.execute(uri: "\(Self.base)/3.m4s", method: .get) { response in
                XCTAssertEqual(response.status, .notFound, "fragment 3 is not committed")
            }
        }
        let ended = try fixture(ended: true)
        try await application(ended.backend).test(.router) { client in
            try await client.execute(uri: "\(Self.base)/index.m3u8", method: .get) { response in
                let text = String(buffer: response.body)
                XCTAssertEqual(text.split(separator: "\n").filter { $0.hasSuffix(".m4s") }.count, ended.fragments.count)
                XCTAssertTrue(text.hasSuffix("#EXT-X-ENDLIST\n"), text)
            }
        }
    }

    func testSegmentsAreTheWritersBytesCacheableWithAnETagAndRemuxedOnce() async throws {
        let fixture = try fixture(ended: true)
        let writer = FMP4Writer(header: fixture.header)
        let expectedInit = try writer.initSegment()
        let expected = try writer.mediaSegment(fixture.fragments[1])
        try await application(fixture.backend).test(.router) { client in
            try await client.execute(uri: "\(Self.base)/init.mp4", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(Array(buffer: response.body), expectedInit)
                XCTAssertEqual(response.headers[.contentType], "video/mp4")
            }
            var etag = ""
            for _ in 0..<3 {
                try await client.execute(uri: "\(Self.base)/1.m4s", method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertEqual(Array(buffer: response.body), expected)
                    XCTAssertEqual(response.headers[.cacheControl], "public, max-age=31536000, immutable")
                    XCTAssertEqual(response.headers[.contentType], "video/iso.segment")
                    etag = response.headers[.eTag] ?? ""
                }
            }
            let digest = SHA256Hex.of(expected)
            XCTAssertEqual(etag, "\"\(digest)\"")
            XCTAssertEqual(fixture.backend.recordReads, 1, "read from the log and remuxed once, not per request")
            try await client.execute(uri: "\(Self.base)/1.m4s", method: .head) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.eTag], etag)
                XCTAssertEqual(response.body.readableBytes, 0)
            }
            try await client.execute(uri: "\(Self.base)/1.m4s", method: .get, headers: [.ifNoneMatch: etag]) { response in
                XCTAssertEqual(response.status, .notModified)
                XCTAssertEqual(response.body.readableBytes, 0)
                XCTAssertEqual(response.headers[.eTag], etag)
            }
            try await client.execute(uri: "\(Self.base)/1.m4s", method: .get, headers: [.ifNoneMatch: "\"other\""]) { response in
                XCTAssertEqual(response.status, .ok)
            }
        }
    }

    /// `/metrics` counts every segment request and every remux: six requests for three distinct segments
    /// (304 and HEAD included) are three remuxes; a segment that is not committed counts as neither.
    func testMetricsCountSegmentRequestsAndRemuxes() async throws {
        let fixture = try fixture(committed: 3)
        try await application(fixture.backend).test(.router) { client in
            for (file, method) in [("init.mp4", HTTPRequest.Method.get), ("1.m4s", .get), ("1.m4s", .get), ("1.m4s", .head), ("2.m4s", .get)] {
                try await client.execute(uri: "\(Self.base)/\(file)", method: method) { XCTAssertEqual($0.status, .ok, file) }
            }
            var etag = ""
            try await client.execute(uri: "\(Self.base)/2.m4s", method: .head) { etag = $0.headers[.eTag] ?? "" }
            try await client.execute(uri: "\(Self.base)/2.m4s", method: .get, headers: [.ifNoneMatch: etag]) {
                XCTAssertEqual($0.status, .notModified)
            }
            try await client.execute(uri: "\(Self.base)/3.m4s", method: .get) { XCTAssertEqual($0.status, .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                func value(_ name: String) -> String? {
                    text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.map { String($0.split(separator: " ")[1]) }
                }
                XCTAssertEqual(value("raftcast_hls_segment_requests_total"), "7", text)
                XCTAssertEqual(value("raftcast_hls_segments_remuxed_total"), "3", text)
            }
        }
        XCTAssertEqual(fixture.backend.recordReads, 2, "fragments 1 and 2, each read once")
    }

    func testAnMP3StreamIsPackedAudioWithoutAnInitSegment() async throws {
        let path = try ScriptMedia.make(kind: "mp3-cbr", seconds: 6, name: "hls-route.mp3")
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: 2)
        var collected: [Fragment] = []
        while let fragment = try fragmenter.next() { collected.append(fragment) }
        let fragments = collected
        let backend = BackendTwin()
        backend.commit(
            .streamStarted(
                CatalogueStreamStart(
                    id: 0x33, name: "mp3", source: CatalogueSource(fileName: "a.mp3", size: 1, sha256: CatalogueHash.sha256([3])),
                    headerRecord: source.header.encoded(), startClusterTime: ClusterTime(nanoseconds: 5_000_000_000),
                    fragmentSeconds: 2, isPaced: false)))
        for fragment in fragments {
            backend.commit(.fragment(stream: 0x33, index: fragment.index, record: fragment.encoded()[...]))
        }
        let expected = try XCTUnwrap(PackedAudioWriter(header: source.header)).segment(fragments[1])
        let base = "/v1/streams/0000000000000033/hls"
        try await application(backend).test(.router) { client in
            try await client.execute(uri: "\(base)/index.m3u8", method: .get) { response in
                let text = String(buffer: response.body)
                XCTAssertFalse(text.contains("EXT-X-MAP"), text)
                XCTAssertEqual(text.split(separator: "\n").filter { $0.hasSuffix(".mp3") }, fragments.indices.map { "\($0).mp3"[...] })
            }
            try await client.execute(uri: "\(base)/1.mp3", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "audio/mpeg")
                XCTAssertEqual(Array(buffer: response.body), expected)
            }
            for file in ["init.mp4", "1.m4s"] {
                try await client.execute(uri: "\(base)/\(file)", method: .get) { response in
                    XCTAssertEqual(response.status, .notFound, file)
                }
            }
        }
    }

    func testWhatDoesNotExistIs404AndABadIdIs400() async throws {
        let fixture = try fixture(committed: 2)
        try await application(fixture.backend).test(.router) { client in
            for file in ["2.m4s", "01.m4s", "-1.m4s", "x.m4s", "1.mp4", "1.mp3", "index.m3u", "99999999999.m4s"] {
                try await client.execute(uri: "\(Self.base)/\(file)", method: .get) { response in
                    XCTAssertEqual(response.status, .notFound, file)
                    XCTAssertEqual(response.headers[.contentType], "application/problem+json", file)
                }
            }
            try await client.execute(uri: "/v1/streams/00000000000000ff/hls/index.m3u8", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            try await client.execute(uri: "/v1/streams/nothex/hls/init.mp4", method: .get) { response in
                XCTAssertEqual(response.status, .badRequest)
            }
            // A committed fragment whose log entry is gone (compacted): 404 naming it, nothing cached.
            let logIndex = try XCTUnwrap(fixture.backend.catalogue.stream(Self.stream)?.fragments[1].logIndex)
            fixture.backend.dropLogEntry(logIndex)
            try await client.execute(uri: "\(Self.base)/1.m4s", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertTrue(String(buffer: response.body).contains("fragment-unavailable"))
            }
        }
    }
}

/// The lowercase hex SHA-256 of bytes (what the segment ETags carry).
enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        let result = try? ToolProcess.run("sha256sum", ["-"], input: Data(bytes))
        return String(result?.stdoutText.prefix(64) ?? "")
    }
}
