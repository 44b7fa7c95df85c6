import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import TestSupport
import XCTest

/// The web app compiled into the node: the generated table (Sources/Node/HTTP/WebAssets.swift) holds every
/// file of Sources/Node/Web/ byte for byte, with its SHA-256 as ETag; `GET /` and `GET /app/{name}` serve
/// them with ETag/304, HEAD and `Cache-Control: no-cache`, 404 for other names, open without the token
/// when reads need it.
final class WebAssetsTests: XCTestCase {
    static let secret = "web-assets-route-secret-0123456789"
    static let webFolder = PythonTools.repositoryRoot.appendingPathComponent("Sources/Node/Web")

    func testCompiledTableEqualsTheFolder() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.webFolder.path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(
            Set(WebAssets.all.keys), Set(names), "Sources/Node/HTTP/WebAssets.swift is stale: run scripts/gen-web.sh")
        for name in names {
            let bytes = Array(try Data(contentsOf: Self.webFolder.appendingPathComponent(name)))
            let asset = try XCTUnwrap(WebAssets.all[name])
            XCTAssertEqual(asset.name, name)
            XCTAssertEqual(asset.bytes, bytes, "\(name) changed: run scripts/gen-web.sh")
            let hex = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            XCTAssertEqual(asset.etag, "\"\(hex)\"", name)
        }
        XCTAssertEqual(WebAssets.all["index.html"]?.contentType, "text/html; charset=utf-8")
        XCTAssertEqual(WebAssets.all["app.js"]?.contentType, "text/javascript; charset=utf-8")
        XCTAssertEqual(WebAssets.all["app.css"]?.contentType, "text/css; charset=utf-8")
    }

    func testGeneratorOutputEqualsTheCommittedFile() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("WebAssets-\(UUID().uuidString).swift")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try ToolProcess.run(
            "/bin/bash", [PythonTools.repositoryRoot.appendingPathComponent("scripts/gen-web.sh").path, output.path], timeout: 60)
        XCTAssertEqual(run.status, 0, run.stderrText)
        XCTAssertEqual(
            try Data(contentsOf: output),
            try Data(contentsOf: PythonTools.repositoryRoot.appendingPathComponent("Sources/Node/HTTP/WebAssets.swift")),
            "Sources/Node/HTTP/WebAssets.swift is stale: run scripts/gen-web.sh")
    }

    func testPageLoadsThePlayerBeforeTheApp() throws {
        let page = String(decoding: try XCTUnwrap(WebAssets.all["index.html"]).bytes, as: UTF8.self)
        let player = try XCTUnwrap(page.range(of: "<script src=\"/app/player.js\"></script>"))
        let app = try XCTUnwrap(page.range(of: "<script src=\"/app/app.js\"></script>"))
        XCTAssertLessThan(player.lowerBound, app.lowerBound)
        XCTAssertTrue(page.contains("<video id=\"player\" playsinline></video>"))
        XCTAssertTrue(page.contains("id=\"play\""))
        XCTAssertTrue(page.contains("<link rel=\"icon\" href=\"data:,\">"), "no favicon request (a 404 in the console)")
        // Every script and style sheet the page names is a compiled file.
        let referenced = page.components(separatedBy: "/app/").dropFirst().map { $0.prefix { $0 != "\"" } }
        XCTAssertGreaterThanOrEqual(referenced.count, 3)
        for name in referenced { XCTAssertNotNil(WebAssets.all[String(name)], "index.html names /app/\(name)") }
    }

    func testRoutesServeTheFilesWithETagsEvenWhenReadsNeedTheToken() async throws {
        let api = try RouteTesting.api(twin: BackendTwin(), for: self, secret: Self.secret, settings: ["open_reads: false"])
        let index = try XCTUnwrap(WebAssets.all["index.html"])
        let script = try XCTUnwrap(WebAssets.all["app.js"])
        try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                XCTAssertEqual(response.headers[.cacheControl], "no-cache")
                XCTAssertEqual(response.headers[.eTag], index.etag)
                XCTAssertEqual(Array(buffer: response.body), index.bytes)
            }
            try await client.execute(uri: "/app/app.js", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/javascript; charset=utf-8")
                XCTAssertEqual(response.headers[.eTag], script.etag)
                XCTAssertEqual(Array(buffer: response.body), script.bytes)
            }
            try await client.execute(uri: "/app/app.js", method: .get, headers: [.ifNoneMatch: "\"other\", \(script.etag)"]) {
                response in
                XCTAssertEqual(response.status, .notModified)
                XCTAssertEqual(response.headers[.eTag], script.etag)
                XCTAssertEqual(response.body.readableBytes, 0)
            }
            try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: "W/\(index.etag)"]) { response in
                XCTAssertEqual(response.status, .notModified)
            }
            try await client.execute(uri: "/app/app.css", method: .head) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/css; charset=utf-8")
                XCTAssertEqual(response.body.readableBytes, 0)
            }
            for missing in ["/app/nope.js", "/app/..%2Fpackage.swift", "/app/"] {
                try await client.execute(uri: missing, method: .get) { response in
                    XCTAssertEqual(response.status, .notFound, missing)
                    XCTAssertEqual(response.headers[.contentType], "application/problem+json", missing)
                }
            }
            // The data is still closed: only the page and its files are open.
            try await client.execute(uri: "/v1/queue", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
        }
    }
}
