import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import RaftcastClient
import TestSupport
import XCTest

/// `GET /health` (in-process, over a ``BackendTwin``): 200 with the node's figures when it knows a
/// leader and has applied what it knows committed; 503 `unhealthy` naming the reason otherwise; never
/// cached; open without a token even when reads need one. The version it reports is the binary's.
final class HealthRouteTests: XCTestCase {
    static let secret = "health-route-secret-0123456789"

    private func health(_ twin: BackendTwin, settings: [String] = []) async throws -> (HTTPResponse.Status, [String: Any], HTTPFields) {
        let api = try RouteTesting.api(twin: twin, for: self, secret: Self.secret, settings: settings)
        let (status, body, headers) = try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                (response.status, Data(buffer: response.body), response.headers)
            }
        }
        return (status, try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:], headers)
    }

    func testALeaderOrAFollowerThatKnowsOneAndHasAppliedEverythingIsHealthy() async throws {
        let twin = BackendTwin()
        twin.updateReport { $0.commitIndex = 42; $0.appliedIndex = 42 }
        let (status, body, headers) = try await health(twin)
        XCTAssertEqual(status, .ok)
        XCTAssertEqual(headers[.cacheControl], "no-store")
        XCTAssertEqual(body["status"] as? String, "ok")
        XCTAssertEqual(body["node"] as? String, "n1")
        XCTAssertEqual(body["leader"] as? String, "n1")
        XCTAssertEqual(body["commit_index"] as? Int, 42)
        XCTAssertEqual(body["version"] as? String, RaftcastVersion.current)

        twin.follow("n2", http: "127.0.0.1:8102")
        let (followerStatus, followerBody, _) = try await health(twin)
        XCTAssertEqual(followerStatus, .ok)
        XCTAssertEqual(followerBody["role"] as? String, "follower")
        XCTAssertEqual(followerBody["leader"] as? String, "n2")
    }

    func testNoLeaderOrUnappliedEntriesAre503WithTheReason() async throws {
        let twin = BackendTwin()
        twin.follow(nil, http: nil)
        let (status, body, headers) = try await health(twin)
        XCTAssertEqual(status, .serviceUnavailable)
        XCTAssertEqual(headers[.contentType], "application/problem+json")
        XCTAssertEqual(headers[.cacheControl], "no-store")
        XCTAssertEqual(body["type"] as? String, HTTPProblem.typePrefix + "unhealthy")
        XCTAssertEqual(body["detail"] as? String, "no leader known (term 3, role follower)")

        twin.follow("n2", http: "127.0.0.1:8102")
        twin.updateReport { $0.commitIndex = 50; $0.appliedIndex = 47 }
        let (lagging, lagBody, _) = try await health(twin)
        XCTAssertEqual(lagging, .serviceUnavailable)
        XCTAssertEqual(lagBody["detail"] as? String, "applied 47 of 50 committed entries")
    }

    func testHealthNeedsNoTokenWhenReadsDo() async throws {
        let api = try RouteTesting.api(twin: BackendTwin(), for: self, secret: Self.secret, settings: ["open_reads: false"])
        try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { XCTAssertEqual($0.status, .ok) }
            try await client.execute(uri: "/v1/cluster", method: .get) { XCTAssertEqual($0.status, .unauthorized) }
            try await client.execute(uri: "/v1/cluster", method: .get, headers: [.authorization: "Bearer " + AdminToken.token(secret: Array(Self.secret.utf8))]) {
                XCTAssertEqual($0.status, .ok)
                let report = try JSONDecoder().decode(ClusterStatusReport.self, from: Data(buffer: $0.body))
                XCTAssertEqual(report.id, "n1")
            }
        }
    }
}
