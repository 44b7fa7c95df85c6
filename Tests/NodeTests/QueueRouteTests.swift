import Broadcast
import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import RaftcastClient
import XCTest

/// `/v1/queue*` in-process (Hummingbird's router test mode) against a ``BackendTwin``: the programme as
/// `GET /v1/queue` shows it, every control as a committed queue entry taking effect at the cluster now
/// plus the playout delay, and the refusals (no token 401, a follower's 307, 404 unknown stream, 409 for
/// a decision that does not apply, 503 without cluster time, 400 for a bad body).
final class QueueRouteTests: XCTestCase {
    static let secret = "queue-route-secret-0123456789"
    static let token = "Bearer " + AdminToken.token(secret: Array(secret.utf8))

    private func application(_ backend: BackendTwin) throws -> some ApplicationProtocol {
        Application(router: try RouteTesting.api(twin: backend, for: self, secret: Self.secret).makeRouter())
    }

    /// A twin whose programme holds streams `ids` (live: the first plays from 5 s, the others wait).
    private static func backend(_ ids: [StreamID]) -> BackendTwin {
        let backend = BackendTwin()
        for id in ids { backend.commit(CatalogueFixtures.streamStart(id)) }
        return backend
    }

    private static func queue(_ response: TestResponse) throws -> QueueResource {
        XCTAssertEqual(response.status, .ok, String(buffer: response.body))
        return try JSONDecoder().decode(QueueResource.self, from: Data(buffer: response.body))
    }

    private static func slug(_ response: TestResponse) throws -> String {
        XCTAssertEqual(response.headers[.contentType], "application/problem+json")
        return try JSONDecoder().decode(HTTPProblem.self, from: Data(buffer: response.body)).slug
    }

    private static func write(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, body: String = "",
        token: String? = token, _ check: @escaping (TestResponse) throws -> Void
    ) async throws {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = token }
        try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body)) { try check($0) }
    }

    func testTheQueueShowsThePlayingItemWithItsPositionAndTheWaitingOnes() async throws {
        let backend = Self.backend([0xa1, 0xb2])
        try await application(backend).test(.router) { client in
            try await client.execute(uri: "/v1/queue", method: .get) { response in
                let queue = try Self.queue(response)
                XCTAssertEqual(queue.clusterTimeNs, 100_000_000_000)
                XCTAssertEqual(queue.playing?.streamID, "00000000000000a1")
                XCTAssertEqual(queue.playing?.state, "playing")
                XCTAssertEqual(queue.playing?.positionSeconds, 95)
                XCTAssertEqual(queue.playing?.ingest, "ingesting")
                XCTAssertEqual(queue.upcoming.map(\.streamID), ["00000000000000b2"])
                XCTAssertEqual(queue.upcoming.first?.state, "waiting", "behind a live stream its start is not known")
                XCTAssertNil(queue.upcoming.first?.startNs)
            }
        }
    }

    func testSkipIsACommittedQueueEntryTakingEffectAfterThePlayoutDelay() async throws {
        let backend = Self.backend([0xa1, 0xb2])
        try await application(backend).test(.router) { client in
            try await Self.write(client, .post, "/v1/queue/skip", token: nil) { XCTAssertEqual($0.status, .unauthorized) }
            XCTAssertEqual(backend.proposals.count, 0)
            try await Self.write(client, .post, "/v1/queue/skip") { response in
                let queue = try Self.queue(response)
                XCTAssertEqual(queue.playing?.cut, true)
            }
            XCTAssertEqual(backend.proposals.count, 1)
            let entry = try CatalogueEntry(decoding: try XCTUnwrap(backend.proposals.first))
            XCTAssertEqual(entry, .queue(.skip, at: ClusterTime(nanoseconds: 101_500_000_000)))
        }
    }

    func testMoveRemoveAndStopReorderAndEmptyTheUpcomingItems() async throws {
        let backend = Self.backend([0xa1, 0xb2, 0xc3, 0xd4])
        try await application(backend).test(.router) { client in
            try await Self.write(client, .post, "/v1/queue/move", body: #"{"stream_id": "00000000000000d4", "position": 0}"#) {
                XCTAssertEqual(try Self.queue($0).upcoming.map(\.streamID), ["00000000000000d4", "00000000000000b2", "00000000000000c3"])
            }
            try await Self.write(client, .delete, "/v1/queue/00000000000000b2") {
                XCTAssertEqual(try Self.queue($0).upcoming.map(\.streamID), ["00000000000000d4", "00000000000000c3"])
            }
            // b2 is still in the catalogue, but no longer queued.
            XCTAssertNotNil(backend.catalogue.stream(0xb2))
            try await Self.write(client, .delete, "/v1/queue/00000000000000b2") { response in
                XCTAssertEqual(response.status, .conflict)
                XCTAssertEqual(try Self.slug(response), "queue-refused")
            }
            try await Self.write(client, .post, "/v1/queue/move", body: #"{"stream_id": "00000000000000a1", "position": 1}"#) { response in
                XCTAssertEqual(response.status, .conflict, "the playing item does not move")
            }
            try await Self.write(client, .post, "/v1/queue/stop") { response in
                let queue = try Self.queue(response)
                XCTAssertEqual(queue.upcoming.map(\.streamID), [])
                XCTAssertEqual(queue.playing?.cut, true)
            }
        }
    }

    func testRefusalsNameTheirReason() async throws {
        let backend = Self.backend([])
        try await application(backend).test(.router) { client in
            try await Self.write(client, .post, "/v1/queue/skip") { response in
                XCTAssertEqual(response.status, .conflict)
                XCTAssertEqual(try Self.slug(response), "queue-refused")
            }
            try await Self.write(client, .delete, "/v1/queue/00000000000000ee") { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(try Self.slug(response), "unknown-stream")
            }
            try await Self.write(client, .delete, "/v1/queue/zz") { XCTAssertEqual($0.status, .badRequest) }
            try await Self.write(client, .post, "/v1/queue/move", body: #"{"stream_id": 3}"#) { XCTAssertEqual($0.status, .badRequest) }
            try await Self.write(client, .post, "/v1/queue/move", body: #"{"stream_id": "00000000000000ee", "position": -1}"#) {
                XCTAssertEqual($0.status, .badRequest)
            }
            backend.now = nil
            try await Self.write(client, .post, "/v1/queue/stop") { response in
                XCTAssertEqual(response.status, .serviceUnavailable)
                XCTAssertEqual(try Self.slug(response), "unsynchronized")
            }
            backend.follow("n2", http: "127.0.0.1:8102")
            try await Self.write(client, .post, "/v1/queue/skip") { response in
                XCTAssertEqual(response.status, .temporaryRedirect)
                XCTAssertEqual(response.headers[.location], "http://127.0.0.1:8102/v1/queue/skip")
            }
        }
        XCTAssertEqual(backend.proposals.count, 0, "nothing refused reaches the log")
    }
}
