import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A real `raftcast node` whose data folder is a small tmpfs (`mount -t tmpfs -o size=48m`; needs
/// root, skipped with the reason otherwise): an upload declared larger than the free space is 507
/// before its body is read, a chunked upload that fills the disk is 507 with its partial file removed,
/// the node stays the leader and takes the next upload; killed with the disk full of a half-written
/// upload, it starts again, removes it and leads.
final class FullDiskTests: XCTestCase {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("media/sample.mp3").path
    static let tmpfsMegabytes = 48

    func testFullDiskIs507AndTheNodeRecovers() throws {
        let cluster = try LocalCluster(size: 1)
        let data = cluster.directory.appendingPathComponent("data/n1")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var whyNot = ""
        guard let disk = try SmallFilesystem.mount(at: data.path, size: "\(Self.tmpfsMegabytes)m", whyNot: &whyNot) else {
            cluster.shutdown()
            throw XCTSkip(whyNot)
        }
        addTeardownBlock {
            cluster.shutdown(keepFiles: true)
            disk.unmount()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        try cluster.start("n1")
        _ = try cluster.waitForLeader(among: ["n1"])
        let port = cluster.httpPorts[0]
        let token = "Bearer \(AdminToken.token(secret: cluster.secret))"
        let uploads = data.appendingPathComponent("uploads").path
        let freeAtStart = try availableBytes(data.path)
        XCTAssertLessThanOrEqual(freeAtStart, UInt64(Self.tmpfsMegabytes) << 20)

        // Declared 40 MiB: it needs twice that plus the reserve. Only the head is sent: the answer
        // comes without the body being read.
        let declared = try RawHTTP.exchange(
            port: port, head: "POST /v1/streams?id=00000000000000d1&fast=1&filename=big.mp3 HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: \(token)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(40 << 20)\r\n\r\n")
        XCTAssertEqual(declared.status, 507, declared.text)
        XCTAssertEqual(declared.headers["content-type"], "application/problem+json")
        XCTAssertEqual(HTTPProblem(response: declared)?.slug, "insufficient-storage", declared.text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads), [])

        // Chunked (no declared length): 64 MiB into a 48 MiB disk. ENOSPC mid-body is 507, the part is removed.
        let chunked = try RawHTTP.chunkedUpload(
            port: port,
            head: "POST /v1/streams?id=00000000000000d2&fast=1&filename=big.mp3 HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: \(token)\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
            chunkBytes: 1 << 20, chunks: 64)
        XCTAssertEqual(chunked.response.status, 507, chunked.response.text)
        let problem = try XCTUnwrap(HTTPProblem(response: chunked.response), chunked.response.text)
        XCTAssertEqual(problem.slug, "insufficient-storage")
        XCTAssertTrue(problem.detail.contains("No space left on device"), problem.detail)
        XCTAssertGreaterThan(chunked.sentBytes, 16 << 20, "the body was being stored when the disk filled")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads), [], "no partial upload is left")
        XCTAssertGreaterThan(try availableBytes(data.path), freeAtStart - (4 << 20), "its space is free again")

        // Still the leader, and the next upload goes through and is ingested.
        XCTAssertEqual(cluster.report("n1")?.role, "leader")
        let mp3 = try Array(Data(contentsOf: URL(fileURLWithPath: Self.sample)))
        let accepted = try cluster.http(
            "n1", "POST", "/v1/streams?id=00000000000000d3&fast=1&filename=sample.mp3", body: mp3,
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(accepted.status, 202, accepted.text)
        try waitForEnded(cluster, "00000000000000d3")

        // Killed while the disk is full of a half-written upload: at the next start the node removes it,
        // and leads again.
        cluster.kill9("n1")
        let part = uploads + "/00000000000000d4.upload.part-12345"
        let filled = try fill(part)
        XCTAssertLessThan(try availableBytes(data.path), 64 << 10, "the disk is full")
        XCTAssertGreaterThan(filled, 16 << 20)
        try cluster.start("n1")
        _ = try cluster.waitForLeader(among: ["n1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: part), "the leftover part file was removed at start")
        XCTAssertGreaterThan(try availableBytes(data.path), 16 << 20)
        let log = try String(contentsOf: cluster.directory.appendingPathComponent("n1-2.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("removed 1 upload file(s) left by an earlier run (\(filled) bytes)"), log)
        try waitForEnded(cluster, "00000000000000d3")  // the log survived
    }

    private func waitForEnded(_ cluster: LocalCluster, _ id: String) throws {
        _ = try cluster.waitFor("stream \(id) ended") { cluster.json("n1", "/v1/streams/\(id)")?["state"] as? String == "ended" ? true : nil }
    }

    /// Free bytes of the file system holding `path` (statvfs, as the node computes them).
    private func availableBytes(_ path: String) throws -> UInt64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw TestFailure(description: "statvfs \(path): errno \(errno)") }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// Writes `path` until the disk is full; returns its size.
    private func fill(_ path: String) throws -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw TestFailure(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x5A, count: 64 << 10)
        var total = 0
        while true {
            let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            total += n
        }
        return total
    }
}
