import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import RaftcastClient
import TestSupport
import XCTest

/// The router of a real ``NodeHTTPAPI`` (a one-node loop in this process), driven in-process through
/// Hummingbird's router test mode, no socket: every error is problem+json, also those the router raises
/// itself (unknown path 404, wrong method 405 with `Allow`), and HEAD answers every GET route with its
/// headers and no body.
final class RouteProblemTests: XCTestCase {
    private var loop: RaftLoop?

    override func tearDown() async throws {
        if let loop {
            loop.requestStop()
            await loop.waitUntilStopped()
        }
        loop = nil
    }

    private func application() throws -> some ApplicationProtocol {
        let directory = ScratchDirectory.forProcess(prefix: "raftcast-route-problem").appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let node = try InProcessNode.start(in: directory, secret: "route-problem-secret-0123456789", name: "route-problem")
        loop = node.loop
        let api = NodeHTTPAPI(
            backend: node.loop, metrics: NodeMetrics(), cluster: node.cluster,
            uploadDirectory: directory.appendingPathComponent("uploads").path)
        return Application(router: api.makeRouter())
    }

    private static func problem(_ response: TestResponse, file: StaticString = #filePath, line: UInt = #line) throws -> HTTPProblem {
        XCTAssertEqual(response.headers[.contentType], "application/problem+json", file: file, line: line)
        return try JSONDecoder().decode(HTTPProblem.self, from: Data(buffer: response.body))
    }

    func testUnknownPathsAndWrongMethodsAreProblems() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/nothing-here", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
                let problem = try Self.problem(response)
                XCTAssertEqual(problem.slug, "not-found")
                XCTAssertEqual(problem.status, 404)
                XCTAssertTrue(problem.detail.contains("/v1/nothing-here"), problem.detail)
            }
            try await client.execute(uri: "/v1/cluster", method: .delete) { response in
                XCTAssertEqual(response.status, .methodNotAllowed)
                XCTAssertEqual(response.headers[.allow], "GET, HEAD")
                XCTAssertEqual(try Self.problem(response).slug, "method-not-allowed")
            }
            // A path with a parameter: GET and DELETE exist, PUT does not.
            try await client.execute(uri: "/v1/streams/00000000000000aa", method: .put) { response in
                XCTAssertEqual(response.status, .methodNotAllowed)
                XCTAssertEqual(response.headers[.allow], "DELETE, GET, HEAD")
                XCTAssertEqual(try Self.problem(response).status, 405)
            }
            // The handlers' own problems are untouched.
            try await client.execute(uri: "/v1/streams/00000000000000aa", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(try Self.problem(response).slug, "unknown-stream")
            }
            // Off by default: the debug endpoint is a problem too.
            try await client.execute(uri: "/v1/debug/propose", method: .post, body: ByteBuffer(string: "x")) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(try Self.problem(response).slug, "not-found")
            }
        }
    }

    func testHeadAnswersEveryGetRouteWithoutABody() async throws {
        try await application().test(.router) { client in
            for path in ["/v1/cluster", "/v1/streams", "/metrics", "/openapi.yaml"] {
                let get = try await client.execute(uri: path, method: .get)
                XCTAssertEqual(get.status, .ok, path)
                XCTAssertGreaterThan(get.body.readableBytes, 0, path)
                let head = try await client.execute(uri: path, method: .head)
                XCTAssertEqual(head.status, .ok, path)
                XCTAssertEqual(head.body.readableBytes, 0, path)
                XCTAssertEqual(head.headers[.contentType], get.headers[.contentType], path)
            }
        }
    }
}
