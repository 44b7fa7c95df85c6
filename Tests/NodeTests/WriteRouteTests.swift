import Broadcast
import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import RaftcastClient
import TestSupport
import XCTest

/// The write routes of ``NodeHTTPAPI`` in-process (Hummingbird's router test mode) against a
/// ``BackendTwin``, in the states a real cluster reaches only by chance: a follower answers every write
/// with a 307 to the same path and query on its leader, a node without a leader 503 `no-leader`, a
/// proposal that is not applied in time 503 `no-quorum`; a write without the token is 401 before
/// anything else; every answer but success is problem+json; nothing reaches the backend that should not.
final class WriteRouteTests: XCTestCase {
    static let secret = "write-route-secret-0123456789"
    static let token = "Bearer " + AdminToken.token(secret: Array(secret.utf8))
    static let leaderHTTP = "127.0.0.1:8102"

    private func application(_ backend: BackendTwin, debugPropose: Bool = true) throws -> some ApplicationProtocol {
        Application(router: try RouteTesting.api(twin: backend, for: self, secret: Self.secret, debugPropose: debugPropose).makeRouter())
    }

    /// The write requests: (method, path with query, content type, body).
    private static let writes: [(HTTPRequest.Method, String, String, String)] = [
        (.post, "/v1/streams?id=00000000000000ab&fast=1&filename=a.mp3", "application/octet-stream", "bytes"),
        (.post, "/v1/streams", "application/json", #"{"media": "sample.mp3"}"#),
        (.delete, "/v1/streams/00000000000000ab", "application/json", ""),
        (.post, "/v1/debug/propose", "application/octet-stream", "raw"),
    ]

    private static func problem(_ response: TestResponse, file: StaticString = #filePath, line: UInt = #line) throws -> HTTPProblem {
        XCTAssertEqual(response.headers[.contentType], "application/problem+json", file: file, line: line)
        return try JSONDecoder().decode(HTTPProblem.self, from: Data(buffer: response.body))
    }

    private static func execute(
        _ client: some TestClientProtocol, _ write: (HTTPRequest.Method, String, String, String), token: String? = token,
        _ check: @escaping (TestResponse) throws -> Void
    ) async throws {
        var headers: HTTPFields = [.contentType: write.2]
        if let token { headers[.authorization] = token }
        try await client.execute(uri: write.1, method: write.0, headers: headers, body: ByteBuffer(string: write.3)) {
            try check($0)
        }
    }

    func testAFollowerRedirectsEveryWriteToTheSamePathOnItsLeader() async throws {
        let backend = BackendTwin()
        backend.commit(CatalogueFixtures.streamStart(0xab))
        backend.follow("n2", http: Self.leaderHTTP)
        try await application(backend).test(.router) { client in
            for write in Self.writes {
                try await Self.execute(client, write) { response in
                    XCTAssertEqual(response.status, .temporaryRedirect, write.1)
                    XCTAssertEqual(response.headers[.location], "http://\(Self.leaderHTTP)\(write.1)")
                    let problem = try Self.problem(response)
                    XCTAssertEqual(problem.slug, "not-leader")
                    XCTAssertTrue(problem.detail.contains("n2"), problem.detail)
                }
            }
        }
        XCTAssertEqual(backend.proposals.count, 0)
        XCTAssertEqual(backend.ingests.count, 0)
    }

    func testWithoutALeaderEveryWriteIs503NoLeader() async throws {
        let backend = BackendTwin()
        backend.commit(CatalogueFixtures.streamStart(0xab))
        backend.follow(nil, http: nil)
        try await application(backend).test(.router) { client in
            for write in Self.writes {
                try await Self.execute(client, write) { response in
                    XCTAssertEqual(response.status, .serviceUnavailable, write.1)
                    XCTAssertNil(response.headers[.location])
                    XCTAssertEqual(try Self.problem(response).slug, "no-leader", write.1)
                }
            }
        }
        XCTAssertEqual(backend.proposals.count, 0)
    }

    func testAWriteWithoutTheTokenIs401BeforeAnythingElseEvenOnAFollower() async throws {
        let backend = BackendTwin()
        backend.follow("n2", http: Self.leaderHTTP)
        let wrong = "Bearer " + AdminToken.token(secret: Array("another-secret-0123456789".utf8))
        try await application(backend).test(.router) { client in
            for write in Self.writes {
                for token in [nil, "Bearer 0123", wrong] {
                    try await Self.execute(client, write, token: token) { response in
                        XCTAssertEqual(response.status, .unauthorized, "\(write.1) \(token ?? "no token")")
                        XCTAssertEqual(try Self.problem(response).slug, "unauthorized")
                    }
                }
            }
        }
        XCTAssertEqual(backend.proposals.count, 0)
        XCTAssertEqual(backend.ingests.count, 0)
    }

    func testOnTheLeaderARemovalIsProposedAndAnUnappliedOneIs503NoQuorum() async throws {
        let backend = BackendTwin()
        backend.commit(CatalogueFixtures.streamStart(0xab))
        backend.commit(CatalogueFixtures.streamStart(0xac))
        try await application(backend).test(.router) { client in
            try await client.execute(uri: "/v1/streams/00000000000000ab", method: .delete, headers: [.authorization: Self.token]) {
                response in
                XCTAssertEqual(response.status, .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                XCTAssertEqual(body?["id"] as? String, "00000000000000ab")
                XCTAssertEqual(body?["removed"] as? Bool, true)
            }
            XCTAssertEqual(backend.proposals, [CatalogueEntry.streamRemoved(stream: 0xab).encoded()])
            XCTAssertNil(backend.catalogue.stream(0xab))
            // A removed or unknown stream is 404 and proposes nothing.
            try await client.execute(uri: "/v1/streams/00000000000000ab", method: .delete, headers: [.authorization: Self.token]) {
                XCTAssertEqual($0.status, .notFound)
                XCTAssertEqual(try Self.problem($0).slug, "unknown-stream")
            }
            backend.answerProposals(with: .timedOut)
            try await client.execute(uri: "/v1/streams/00000000000000ac", method: .delete, headers: [.authorization: Self.token]) {
                XCTAssertEqual($0.status, .serviceUnavailable)
                XCTAssertEqual(try Self.problem($0).slug, "no-quorum")
            }
            // Leadership lost while the proposal was in flight: a redirect to the new leader.
            backend.loseLeadershipAtNextProposal(to: "n3", http: "127.0.0.1:8103")
            try await client.execute(uri: "/v1/debug/propose", method: .post, headers: [.authorization: Self.token], body: ByteBuffer(string: "x")) {
                XCTAssertEqual($0.status, .temporaryRedirect)
                XCTAssertEqual($0.headers[.location], "http://127.0.0.1:8103/v1/debug/propose")
            }
        }
        XCTAssertEqual(backend.proposals.count, 3, "the 404 proposed nothing")
    }

    func testDebugProposeAnswersAsDocumentedAndIsOffWithoutTheFlag() async throws {
        let backend = BackendTwin()
        try await application(backend).test(.router) { client in
            try await client.execute(uri: "/v1/debug/propose", method: .post, headers: [.authorization: Self.token], body: ByteBuffer(string: "abc")) {
                XCTAssertEqual($0.status, .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                XCTAssertEqual(body?["index"] as? Int, 1)
                XCTAssertEqual(body?["term"] as? Int, 3)
            }
            XCTAssertEqual(backend.proposals, [Array("abc".utf8)])
            let large = ByteBuffer(repeating: 0, count: NodeHTTPAPI.maxProposalBytes + 1)
            try await client.execute(uri: "/v1/debug/propose", method: .post, headers: [.authorization: Self.token], body: large) {
                XCTAssertEqual($0.status, .contentTooLarge)
                XCTAssertEqual(try Self.problem($0).slug, "too-large")
            }
            backend.answerProposals(with: .refused("too many uncommitted bytes"))
            try await client.execute(uri: "/v1/debug/propose", method: .post, headers: [.authorization: Self.token], body: ByteBuffer(string: "x")) {
                XCTAssertEqual($0.status, .serviceUnavailable)
                XCTAssertEqual(try Self.problem($0).detail, "too many uncommitted bytes")
            }
        }
        let off = BackendTwin()
        try await application(off, debugPropose: false).test(.router) { client in
            for token in [nil, Self.token] {
                var headers: HTTPFields = [:]
                if let token { headers[.authorization] = token }
                try await client.execute(uri: "/v1/debug/propose", method: .post, headers: headers, body: ByteBuffer(string: "x")) {
                    XCTAssertEqual($0.status, .notFound)
                    XCTAssertEqual(try Self.problem($0).slug, "not-found")
                }
            }
        }
        XCTAssertEqual(off.proposals.count, 0)
        XCTAssertEqual(backend.proposals.count, 2, "the body above the limit was not proposed")
    }
}
