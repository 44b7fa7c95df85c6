import Foundation
import Media
import TestSupport
import XCTest

/// A crafted file (a `tfdt` jump of 2⁶² ticks after the second fragment: TestSupport's `CraftedMedia`)
/// against a real 3-node cluster: `raftcast ingest` refuses it locally, the leader's upload validation
/// refuses it with 422 bad-media (as a library file, which the client does not check, and as a raw
/// upload), nothing is proposed, and every node stays up under the same leader.
final class CraftedMediaIngestTests: XCTestCase {
    func testACraftedFileIsRefusedAndTheClusterStaysUp() throws {
        let media = ScratchDirectory.forProcess(prefix: "raftcast-crafted-ingest")
        let file = try CraftedMedia.file(.tfdtJump(1 << 62), in: media)
        let name = (file as NSString).lastPathComponent
        let cluster = try LocalCluster(size: 3, clusterSettings: ["media_dir: \(media.path)"])
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        // FFmpeg declares the track as long as its last fragment ends: 2⁶² ticks of 1/48000 s.
        let reason = "audio track declares a duration of 9.61e+13 s, more than the maximum programme length (7 days)"
        XCTAssertThrowsError(try MediaSource(path: file)) { XCTAssertEqual(($0 as? MediaError)?.reason, reason) }

        let local = try runRaftcast(["ingest", file, "--config", cluster.configPath, "--fast", "--timeout", "20"], timeout: .seconds(60))
        XCTAssertEqual(local.status, 2, local.stderr)
        XCTAssertEqual(local.stderr, "error: \(file): \(reason)\n")

        let library = try runRaftcast(
            ["ingest", name, "--library", "--config", cluster.configPath, "--fast", "--timeout", "20"], timeout: .seconds(60))
        XCTAssertEqual(library.status, 2, library.stderr)
        let errors = library.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.map(String.init)
        XCTAssertEqual(errors, ["error: \(name): refused by the cluster: \(name): \(reason) (422 bad-media)"], library.stderr)

        let upload = try cluster.http(
            leader, "POST", "/v1/streams?filename=\(name)&fast=1", body: [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))),
            headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(upload.status, 422, upload.text)
        XCTAssertEqual(upload.headers["content-type"], "application/problem+json")
        let problem = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(upload.body)) as? [String: Any])
        XCTAssertEqual(problem["type"] as? String, "https://raftcast.dev/problems/bad-media")
        XCTAssertEqual(problem["detail"] as? String, "\(name): \(reason)")

        // Nothing was proposed; every node answers, under the same leader and term, with the same state.
        XCTAssertEqual(try cluster.waitForLeader(among: cluster.ids), leader)
        try cluster.waitForSameState(cluster.ids)
        for id in cluster.ids {
            XCTAssertEqual((cluster.json(id, "/v1/streams")?["streams"] as? [Any])?.count, 0, id)
            XCTAssertEqual(cluster.processes[id]?.isRunning, true, id)
        }
    }
}
