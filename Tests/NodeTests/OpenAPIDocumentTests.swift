import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import RaftcastClient
import TestSupport
import XCTest

/// docs/openapi.yaml: the copy compiled into the node is the file, byte for byte; the file is a valid
/// OpenAPI document (openapi-spec-validator); the node's API serves it at GET /openapi.yaml.
final class OpenAPIDocumentTests: XCTestCase {
    func testCompiledDocumentEqualsTheFileByteForByte() throws {
        let file = try Data(contentsOf: URL(fileURLWithPath: PythonTools.openAPIPath))
        XCTAssertGreaterThan(file.count, 1000)
        XCTAssertEqual(
            Data(OpenAPIDocument.yaml.utf8), file,
            "Sources/Node/HTTP/OpenAPIDocument.swift is stale: run scripts/gen-openapi.sh")
    }

    func testDocumentIsValidOpenAPI() throws {
        let result = try PythonTools.run("openapi-spec-validator", [PythonTools.openAPIPath], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stdoutText + result.stderrText)
        XCTAssertTrue(result.stdoutText.contains(": OK"), result.stdoutText)
    }

    func testValidatorRejectsADocumentWithADanglingReference() throws {
        // The same check fails on a broken copy: a reference to a schema that does not exist.
        var text = try String(contentsOfFile: PythonTools.openAPIPath, encoding: .utf8)
        let reference = "$ref: \"#/components/schemas/Stream\"\n"
        XCTAssertTrue(text.contains(reference))
        text = text.replacingOccurrences(of: reference, with: "$ref: \"#/components/schemas/NoSuchSchema\"\n")
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-broken-\(UUID().uuidString).yaml")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: broken) }
        let result = try PythonTools.run("openapi-spec-validator", [broken.path], timeout: 60)
        XCTAssertNotEqual(result.status, 0, result.stdoutText)
        XCTAssertTrue((result.stdoutText + result.stderrText).contains("NoSuchSchema"), result.stdoutText + result.stderrText)
    }

    func testNodeServesTheDocument() async throws {
        let api = try RouteTesting.api(twin: BackendTwin(), for: self, secret: "openapi-document-secret-0123456789")
        try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "application/yaml")
                XCTAssertEqual(Data(buffer: response.body), try Data(contentsOf: URL(fileURLWithPath: PythonTools.openAPIPath)))
            }
        }
    }
}
