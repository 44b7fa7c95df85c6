import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import RaftcastClient
import Transport
import XCTest

/// `cluster.cors_origin` in-process: with it, a browser page of that origin may call the API (a preflight
/// answers without the token; answers, errors included, carry `Access-Control-Allow-Origin`); without it,
/// no CORS header is sent.
final class CORSRouteTests: XCTestCase {
    static let secret = "cors-route-secret-0123456789"
    static let origin = "https://screens.example"

    private func application(settings: [String]) throws -> some ApplicationProtocol {
        Application(router: try RouteTesting.api(twin: BackendTwin(), for: self, secret: Self.secret, settings: settings).makeRouter())
    }

    func testTheConfiguredOriginMayCallTheAPI() async throws {
        try await application(settings: ["cors_origin: \(Self.origin)"]).test(.router) { client in
            let preflight: HTTPFields = [
                .origin: Self.origin, .accessControlRequestMethod: "POST",
                .accessControlRequestHeaders: "authorization, content-type",
            ]
            try await client.execute(uri: "/v1/queue/skip", method: .options, headers: preflight) { response in
                XCTAssertTrue([.ok, .noContent].contains(response.status), "\(response.status)")
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], Self.origin)
                XCTAssertTrue(response.headers[.accessControlAllowMethods]?.contains("POST") ?? false)
                XCTAssertTrue(response.headers[.accessControlAllowHeaders]?.lowercased().contains("authorization") ?? false)
            }
            try await client.execute(uri: "/v1/queue", method: .get, headers: [.origin: Self.origin]) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], Self.origin)
            }
            // An error answer carries the header too, so the page can read the problem.
            try await client.execute(uri: "/v1/queue/skip", method: .post, headers: [.origin: Self.origin]) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], Self.origin)
            }
        }
    }

    func testAPageOfAnotherMemberMayCallTheAPIWithoutTheSetting() async throws {
        // RouteTesting's one-node cluster: member n1 serves HTTP on 127.0.0.1:2.
        try await application(settings: []).test(.router) { client in
            try await client.execute(uri: "/v1/cluster", method: .get, headers: [.origin: "http://127.0.0.1:2"]) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], "http://127.0.0.1:2")
                XCTAssertEqual(response.headers[.accessControlExposeHeaders], "ETag, Location, Retry-After")
                XCTAssertTrue(response.headers[values: .vary].contains("Origin"))
            }
            let preflight: HTTPFields = [.origin: "http://127.0.0.1:2", .accessControlRequestMethod: "DELETE"]
            try await client.execute(uri: "/v1/queue/00000000000000a1", method: .options, headers: preflight) { response in
                XCTAssertEqual(response.status, .noContent)
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], "http://127.0.0.1:2")
                XCTAssertTrue(response.headers[.accessControlAllowHeaders]?.contains("Last-Event-ID") ?? false)
            }
        }
    }

    func testWithoutTheSettingNoCORSHeaderIsSent() async throws {
        try await application(settings: []).test(.router) { client in
            try await client.execute(uri: "/v1/queue", method: .get, headers: [.origin: Self.origin]) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertNil(response.headers[.accessControlAllowOrigin])
            }
        }
    }

    /// The member origins and `/v1/cluster`'s members follow the replicated directory: a member added
    /// there may call at once, a member cluster.yaml names but the directory no longer lists may not.
    func testMemberOriginsAndClusterMembersFollowTheDirectory() async throws {
        let twin = BackendTwin()
        let kitchen = MemberRecord(
            id: "kitchen", raft: PeerAddress(host: "10.0.0.7", port: 7100), http: PeerAddress(host: "10.0.0.7", port: 8100), role: .listener)
        twin.members = MemberDirectory([kitchen])
        let api = try RouteTesting.api(twin: twin, for: self, secret: Self.secret)
        try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/cluster", method: .get, headers: [.origin: "http://10.0.0.7:8100"]) { response in
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], "http://10.0.0.7:8100")
                let report = try JSONDecoder().decode(ClusterStatusReport.self, from: Data(buffer: response.body))
                XCTAssertEqual(report.members, [ClusterStatusReport.Member(id: "kitchen", http: "10.0.0.7:8100")])
            }
            // n1 of cluster.yaml (127.0.0.1:2) is not in the directory: no CORS header for its pages.
            try await client.execute(uri: "/v1/cluster", method: .get, headers: [.origin: "http://127.0.0.1:2"]) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertNil(response.headers[.accessControlAllowOrigin])
            }
        }
    }
}
