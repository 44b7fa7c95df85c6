import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import RaftcastClient
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
}
