import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// HLS on a three-node cluster of real `raftcast node` processes: an MP4 ingested on the leader is served
/// by every node from its own log, each segment the same bytes (SHA-256) on all three, and a follower's
/// playlist decodes (ffmpeg) to the source's video frames bit-exactly.
final class HLSClusterTests: XCTestCase {
    func testEverySegmentIsTheSameBytesOnAllThreeNodes() throws {
        let source = try ScriptMedia.make(kind: "mp4-bframes", seconds: 10, name: "hls-cluster-bframes.mp4")
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let posted = try cluster.http(
            leader, "POST", "/v1/streams?id=00000000000000c1&fast=1&filename=bframes.mp4",
            body: Array(try Data(contentsOf: URL(fileURLWithPath: source))), headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(posted.status, 202, posted.text)
        let base = "/v1/streams/00000000000000c1/hls"
        var playlists: [String: String] = [:]
        try cluster.waitFor("every node lists the whole stream", timeout: .seconds(60)) { () -> Bool? in
            for id in cluster.ids {
                guard let text = try? cluster.http(id, "GET", "\(base)/index.m3u8").text, text.contains("#EXT-X-ENDLIST") else { return nil }
                playlists[id] = text
            }
            return true
        }
        XCTAssertEqual(Set(playlists.values).count, 1, "the same playlist on every node")
        let files = ["init.mp4"] + (playlists[leader] ?? "").split(separator: "\n").filter { $0.hasSuffix(".m4s") }.map(String.init)
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for file in files {
            let digests = try cluster.ids.map { id -> String in
                let response = try cluster.http(id, "GET", "\(base)/\(file)")
                XCTAssertEqual(response.status, 200, "\(id) \(file)")
                XCTAssertEqual(response.headers["etag"], "\"\(SHA256Hex.of(response.body))\"", "\(id) \(file)")
                return SHA256Hex.of(response.body)
            }
            XCTAssertEqual(Set(digests).count, 1, "\(file): \(digests)")
        }
        let follower = try XCTUnwrap(cluster.ids.first { $0 != leader })
        let url = "http://127.0.0.1:\(cluster.httpPorts[cluster.index(of: follower)])\(base)/index.m3u8"
        XCTAssertEqual(try FrameMD5.frames(of: url, map: "0:v").map { $0.shifted(by: 10 * 25) }, try FrameMD5.frames(of: source, map: "0:v"))
    }
}
