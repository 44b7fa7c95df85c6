import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// A write refused before its body is read (here: no leader known) is answered at once, and a client
/// uploading a large body learns it quickly instead of pushing the whole body first.
final class EarlyRefusalUploadTests: XCTestCase {
    func testALargeUploadToANodeWithoutALeaderIsRefusedWithinSeconds() throws {
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.start("n1")  // alone: it never learns a leader
        _ = try cluster.waitFor("n1 answers", timeout: .seconds(20)) { cluster.json("n1", "/v1/cluster") }
        let file = cluster.directory.appendingPathComponent("big.bin").path
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data(count: 40 << 20)))
        let started = ContinuousClock.now
        let response = try HTTPFetch.upload(
            host: "127.0.0.1", port: cluster.httpPorts[0], path: "/v1/streams?id=00000000000000e1&filename=big.mp3",
            headers: ["Authorization": "Bearer \(cluster.token)", "Content-Type": "application/octet-stream"],
            file: file, timeout: .seconds(30))
        let took = ContinuousClock.now - started
        print("early refusal of a 40 MB upload: \(response.status) after \(took)")
        XCTAssertEqual(response.status, 503, response.text)
        XCTAssertEqual(HTTPProblem(response: response)?.slug, "no-leader")
        XCTAssertLessThan(took, .seconds(3), "answered before the whole body was pushed")
    }
}
