import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// A running node answers as docs/openapi.yaml says: schemathesis (from .venv) sends generated requests to
/// every GET and POST endpoint (valid and invalid ones: invalid ones must get a 4xx) and checks statuses,
/// content types, headers and bodies against the document; the events of `GET /v1/events` are checked
/// against the document's event schemas (jsonschema, OpenAPI 3.0 dialect).
final class OpenAPIConformanceTests: XCTestCase {
    /// The document's example stream id: the node holds a real stream under it, so schemathesis' example
    /// phase reads a stream and its fragments, not only 404s.
    static let exampleStreamID = "00000000000000ab"

    /// The checks run. Not run: `unsupported_method` and `allow_header_conformance` (Hummingbird answers
    /// 404, not 405 with `Allow`, to a method a path does not serve), the stateful and authorization checks.
    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
        "response_schema_conformance", "negative_data_rejection",
    ]

    /// `st run` against the node at `port`: bounded examples per operation, a fixed seed, one worker. Skipped
    /// operation: the event stream (it never ends; its events are checked apart). DELETE runs apart, last: it
    /// removes the example stream.
    private func schemathesis(
        document: String, port: Int, token: String, methods: [String] = ["GET", "POST"], extra: [String] = []
    ) throws -> ToolProcess.Result {
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workdir) }
        return try ToolProcess.run(
            try PythonTools.path("st"),
            [
                "run", document, "--url", "http://127.0.0.1:\(port)", "--checks", Self.checks.joined(separator: ","),
                "--max-examples", "15", "--request-timeout", "5",
                "--exclude-path", "/v1/events",
                "-H", "Authorization: Bearer \(token)", "--phases", "examples,coverage,fuzzing",
                "--seed", "1", "--workers", "1", "--generation-database", "none", "--no-color",
            ] + methods.flatMap { ["--include-method", $0] } + extra,
            timeout: 120, currentDirectory: workdir)
    }

    func testRunningNodeConformsToTheDocument() throws {
        let cluster = try LocalCluster(size: 1)
        addTeardownBlock { cluster.shutdown() }
        try cluster.start("n1")
        _ = try cluster.waitForLeader(among: ["n1"])
        var events = try EventStreamReader(port: cluster.httpPorts[0])
        defer { events.close() }

        let sample = PythonTools.repositoryRoot.appendingPathComponent("media/sample.mp3").path
        let posted = try cluster.http(
            "n1", "POST", "/v1/streams?id=\(Self.exampleStreamID)&fast=1&filename=sample.mp3",
            body: Array(try Data(contentsOf: URL(fileURLWithPath: sample))),
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(posted.status, 202, posted.text)
        let seen = events.read(timeout: .seconds(20)) { $0.contains { $0.name == "stream-ended" } }
        XCTAssertEqual(cluster.json("n1", "/v1/streams/\(Self.exampleStreamID)")?["state"] as? String, "ended")

        let run = try schemathesis(document: PythonTools.openAPIPath, port: cluster.httpPorts[0], token: cluster.token)
        XCTAssertEqual(run.status, 0, run.stdoutText + run.stderrText)
        XCTAssertTrue(run.stdoutText.contains(" passed"), run.stdoutText)
        XCTAssertFalse(run.stdoutText.contains("FAILURES"), run.stdoutText)
        // Seventeen GETs (cluster, its bootstrap, members, health, streams, stream, fragments, the HLS playlist, init and media
        // segment, the live playlist, queue, playback, openapi.yaml, metrics, the web app's page and its files)
        // and the seven POSTs (streams, queue skip, stop and move, members add, promote and demote).
        XCTAssertTrue(run.stdoutText.contains("Operations:       24 selected"), run.stdoutText)

        // DELETE last (the example stream goes; a member, the queue item), ids of every form: 200, 400, 404 or
        // 409 (the leader itself) as documented.
        let deletes = try schemathesis(
            document: PythonTools.openAPIPath, port: cluster.httpPorts[0], token: cluster.token,
            methods: ["DELETE"])
        XCTAssertEqual(deletes.status, 0, deletes.stdoutText + deletes.stderrText)
        XCTAssertTrue(deletes.stdoutText.contains(" passed"), deletes.stdoutText)
        XCTAssertTrue(deletes.stdoutText.contains("Operations:       3 selected"), deletes.stdoutText)
        XCTAssertNil(cluster.json("n1", "/v1/streams/\(Self.exampleStreamID)"), "the examples phase deleted the example stream")

        // The events of that ingest, each against its schema.
        XCTAssertEqual(seen.first?.name, "leader")
        XCTAssertEqual(Set(seen.map(\.name)), ["leader", "stream-started", "queue", "fragment-committed", "stream-ended"])
        let lines = seen.map { "\($0.name)\t\($0.data)" }.joined(separator: "\n")
        let validated = try ToolProcess.run(
            try PythonTools.path("python"), ["-c", Self.eventValidator, PythonTools.openAPIPath], timeout: 60,
            input: Data(lines.utf8))
        XCTAssertEqual(validated.status, 0, validated.stdoutText + validated.stderrText)
        XCTAssertEqual(validated.stdoutText, "\(seen.count) events valid\n")
    }

    func testFollowerRedirectsWritesAsDocumented() throws {
        // On a follower every write answers 307 (Location, problem body) or 401, valid or not (the leader
        // validates): redirects are not followed, and invalid requests are not expected to get a 4xx here.
        // The follower is the real API over a backend twin that follows n2, served in this process.
        let secret = "openapi-follower-secret-0123456789"
        let twin = BackendTwin()
        twin.follow("n2", http: "127.0.0.1:8102")
        let server = try FakeNodeServer.start(in: self, router: try RouteTesting.api(twin: twin, for: self, secret: secret).makeRouter())
        let token = AdminToken.token(secret: Array(secret.utf8))
        let probe = try HTTPFetch.request(
            host: "127.0.0.1", port: server.port, method: "POST", path: "/v1/streams?id=\(Self.exampleStreamID)",
            headers: ["Content-Type": "application/octet-stream", "Authorization": "Bearer \(token)"], body: [1, 2, 3])
        XCTAssertEqual(probe.status, 307, probe.text)
        XCTAssertEqual(probe.headers["location"], "http://127.0.0.1:8102/v1/streams?id=\(Self.exampleStreamID)")
        let run = try schemathesis(
            document: PythonTools.openAPIPath, port: server.port, token: token, methods: ["POST", "DELETE"],
            extra: ["--max-redirects", "0", "--exclude-checks", "negative_data_rejection"])
        XCTAssertEqual(run.status, 0, run.stdoutText + run.stderrText)
        XCTAssertTrue(run.stdoutText.contains(" passed"), run.stdoutText)
        XCTAssertTrue(run.stdoutText.contains("Operations:       10 selected"), run.stdoutText)
        XCTAssertEqual(twin.proposals.count, 0, "a follower proposes nothing")
        XCTAssertEqual(twin.membershipRequests, [])
        XCTAssertEqual(twin.ingests.count, 0)
    }

    func testSchemathesisFindsADocumentThatDisagreesWithTheNode() throws {
        // The same run fails when the document is wrong: here the stream's key `committed_fragments` renamed.
        let cluster = try LocalCluster(size: 1)
        addTeardownBlock { cluster.shutdown() }
        try cluster.start("n1")
        _ = try cluster.waitForLeader(among: ["n1"])
        let sample = PythonTools.repositoryRoot.appendingPathComponent("media/sample.mp3").path
        let posted = try cluster.http(
            "n1", "POST", "/v1/streams?id=\(Self.exampleStreamID)&fast=1",
            body: Array(try Data(contentsOf: URL(fileURLWithPath: sample))),
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(posted.status, 202, posted.text)
        _ = try cluster.waitFor("the example stream to end") {
            cluster.json("n1", "/v1/streams/\(Self.exampleStreamID)")?["state"] as? String == "ended" ? true : nil
        }
        var text = try String(contentsOfFile: PythonTools.openAPIPath, encoding: .utf8)
        XCTAssertTrue(text.contains("        - committed_fragments\n"))
        text = text.replacingOccurrences(of: "        - committed_fragments\n", with: "        - committedFragments\n")
        let broken = cluster.directory.appendingPathComponent("openapi-broken.yaml")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        let run = try schemathesis(document: broken.path, port: cluster.httpPorts[0], token: cluster.token)
        XCTAssertNotEqual(run.status, 0, run.stdoutText)
        XCTAssertTrue(run.stdoutText.contains("Response violates schema"), run.stdoutText)
        XCTAssertTrue(run.stdoutText.contains("committedFragments"), run.stdoutText)
    }

    /// Reads `name<TAB>data` lines on stdin and validates each data JSON against the document's schema for
    /// the event, or against schema `S` for the name `#S` (argv[1] is the document); prints `N events valid`
    /// or the first error and exits 1.
    static let eventValidator = #"""
        import json, sys, yaml
        from openapi_schema_validator import OAS30Validator
        document = yaml.safe_load(open(sys.argv[1]))
        schemas = {"leader": "LeaderEvent", "stream-started": "StreamStartedEvent",
                   "fragment-committed": "FragmentCommittedEvent", "stream-ended": "StreamEndedEvent",
                   "stream-removed": "StreamRemovedEvent", "stream-failed": "StreamFailedEvent", "queue": "QueueEvent",
                   "reset": "ResetEvent"}
        count = 0
        for line in sys.stdin.read().splitlines():
            name, data = line.split("\t", 1)
            target = name[1:] if name.startswith("#") else schemas.get(name)
            if target not in document["components"]["schemas"]:
                sys.exit(f"event {name!r} is not in the document")
            schema = {"$ref": "#/components/schemas/" + target, "components": document["components"]}
            errors = list(OAS30Validator(schema).iter_errors(json.loads(data)))
            if errors:
                sys.exit(f"{name} {data}: {errors[0].message}")
            count += 1
        print(f"{count} events valid")
        """#
}
