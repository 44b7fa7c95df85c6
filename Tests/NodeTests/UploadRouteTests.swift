import Broadcast
import Foundation
import Hummingbird
import Logging
import Node
import Raft
import RaftcastClient
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `POST /v1/streams` of a real ``NodeHTTPAPI`` (a one-node Raft loop in this process, served on
/// loopback) whose upload store writes through an injected ``FaultyUploadFileSystem``: a full disk is
/// 507 `insufficient-storage` (before the body when the declared length does not fit, or when the
/// disk fills while writing), any other storage failure 500, never a 4xx; no part file stays behind;
/// nothing is proposed; the node takes the next upload once the fault is gone. The same on a real
/// full tmpfs: FullDiskTests.
final class UploadRouteTests: XCTestCase {
    static let secret = "upload-route-secret-0123456789"
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("media/sample.mp3").path

    private var directory: URL!
    private var loop: RaftLoop?

    override func setUpWithError() throws {
        directory = ScratchDirectory.forProcess(prefix: "raftcast-upload-route").appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("uploads"), withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        if let loop {
            loop.requestStop()
            await loop.waitUntilStopped()
        }
        loop = nil
    }

    private var uploads: String { directory.appendingPathComponent("uploads").path }

    /// A one-node cluster leading in this process, its API on a free loopback port, uploads through `fileSystem`.
    private func startNode(fileSystem: FaultyUploadFileSystem) throws -> (port: Int, loop: RaftLoop) {
        let node = try InProcessNode.start(in: directory, secret: Self.secret, name: "upload-route")
        loop = node.loop
        let api = NodeHTTPAPI(
            backend: node.loop, metrics: NodeMetrics(), cluster: node.cluster, uploadDirectory: uploads,
            uploadFileSystem: fileSystem)
        let server = try FakeNodeServer.start(in: self, router: api.makeRouter())
        return (server.port, node.loop)
    }

    private func post(_ file: String, port: Int, id: String) throws -> HTTPFetch.Response {
        try HTTPFetch.upload(
            host: "127.0.0.1", port: port, path: "/v1/streams?id=\(id)&fast=1&filename=sample.mp3",
            headers: [
                "Authorization": "Bearer \(AdminToken.token(secret: Array(Self.secret.utf8)))",
                "Content-Type": "application/octet-stream",
            ],
            file: file, timeout: .seconds(10))
    }

    private func problem(_ response: HTTPFetch.Response) throws -> HTTPProblem {
        XCTAssertEqual(response.headers["content-type"], "application/problem+json", response.text)
        return try XCTUnwrap(HTTPProblem(response: response), response.text)
    }

    private func leftovers() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: uploads) }

    func testDiskFillingUpMidUploadIs507AndLeavesNoPartialFile() throws {
        let fileSystem = FaultyUploadFileSystem(.init(failAfterBytes: 50_000, errno: ENOSPC))
        let (port, loop) = try startNode(fileSystem: fileSystem)
        let before = loop.report.lastLogIndex

        let full = try post(Self.sample, port: port, id: "00000000000000f1")
        XCTAssertEqual(full.status, 507, full.text)
        let problem = try problem(full)
        XCTAssertEqual(problem.slug, "insufficient-storage")
        XCTAssertEqual(problem.title, "Insufficient Storage")
        XCTAssertTrue(problem.detail.contains("No space left on device"), problem.detail)
        XCTAssertTrue(problem.detail.contains("the partial upload was removed"), problem.detail)
        XCTAssertEqual(fileSystem.created.current.count, 1, "the body was being stored")
        XCTAssertEqual(try leftovers(), [], "the partial upload is gone")
        XCTAssertEqual(loop.report.lastLogIndex, before, "nothing was proposed")

        // Quota exhausted (EDQUOT) is the same: no room, not the client's fault.
        fileSystem.faults.withValue { $0.errno = EDQUOT }
        XCTAssertEqual(try post(Self.sample, port: port, id: "00000000000000f1").status, 507)

        // Space freed: the same upload goes through.
        fileSystem.faults.withValue { $0.failAfterBytes = nil }
        let accepted = try post(Self.sample, port: port, id: "00000000000000f1")
        XCTAssertEqual(accepted.status, 202, accepted.text)
        try waitUntilEnded(0xf1, loop: loop)
        XCTAssertEqual(try leftovers(), [], "the upload is removed once its stream has ended")
    }

    /// Waits (10 s at most) until stream `id` has ended in `loop`'s catalogue.
    private func waitUntilEnded(_ id: StreamID, loop: RaftLoop) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let ended = loop.catalogue.stream(id)?.hasEnded ?? false
            if try ended && leftovers().isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw TestFailure(description: "stream \(id) did not end within 10 s; uploads: \(try leftovers())")
            }
            usleep(20_000)
        }
    }

    func testOtherStorageFailuresAre500NotTheClientsFault() throws {
        let fileSystem = FaultyUploadFileSystem(.init(failAfterBytes: 10_000, errno: EIO))
        let (port, loop) = try startNode(fileSystem: fileSystem)
        let before = loop.report.lastLogIndex
        let failed = try post(Self.sample, port: port, id: "00000000000000f2")
        XCTAssertEqual(failed.status, 500, failed.text)
        let problem = try problem(failed)
        XCTAssertEqual(problem.slug, "storage")
        XCTAssertTrue(problem.detail.contains("Input/output error"), problem.detail)
        XCTAssertEqual(try leftovers(), [])
        XCTAssertEqual(loop.report.lastLogIndex, before)
    }

    func testDeclaredLengthThatDoesNotFitIs507BeforeAnythingIsStored() throws {
        let size = UInt64(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: Self.sample)[.size] as? NSNumber).intValue)
        let needed = try XCTUnwrap(UploadStore.requiredBytes(forUpload: size))
        XCTAssertEqual(needed, 2 * size + UploadStore.reserveBytes)
        let fileSystem = FaultyUploadFileSystem(.init(availableBytes: needed - 1))
        let (port, _) = try startNode(fileSystem: fileSystem)

        let refused = try post(Self.sample, port: port, id: "00000000000000f3")
        XCTAssertEqual(refused.status, 507, refused.text)
        let problem = try problem(refused)
        XCTAssertEqual(problem.slug, "insufficient-storage")
        XCTAssertEqual(
            problem.detail,
            "the leader has 17.1 MB free; this upload needs 17.1 MB (twice its 0.1 MB for the upload and the log, plus 16.8 MB); retry once space is freed")
        XCTAssertEqual(fileSystem.created.current, [], "refused before any byte of the body was stored")
        XCTAssertEqual(try leftovers(), [])

        // One byte more free and it fits.
        fileSystem.faults.withValue { $0.availableBytes = needed }
        XCTAssertEqual(try post(Self.sample, port: port, id: "00000000000000f3").status, 202)
    }
}
