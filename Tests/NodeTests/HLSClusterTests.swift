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

    /// Two MP4 items queued one after the other: ffmpeg reading a follower's live playlist from its start
    /// decodes the first item's video frames and then the second's, bit-exactly, across the discontinuity.
    func testTheLivePlaylistPlaysTwoQueuedItemsOneAfterTheOther() throws {
        let first = try ScriptMedia.make(kind: "mp4-bframes", seconds: 4, name: "live-first-bframes.mp4")
        let second = try ScriptMedia.make(kind: "mp4-aac48", seconds: 4, name: "live-second-aac48.mp4")
        let expected = try [first, second].map { try FrameMD5.frames(of: $0, map: "0:v").map(\.hash) }
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        for (id, path) in [("00000000000000d1", first), ("00000000000000d2", second)] {
            let posted = try cluster.http(
                leader, "POST", "/v1/streams?id=\(id)&fast=1&filename=\(id).mp4",
                body: Array(try Data(contentsOf: URL(fileURLWithPath: path))), headers: ["Content-Type": "application/octet-stream"])
            XCTAssertEqual(posted.status, 202, posted.text)
        }
        let follower = try XCTUnwrap(cluster.ids.first { $0 != leader })
        // Once the second item is listed whole (the playlist follows the cluster clock: ~8 s), the playlist
        // as it stands, closed with EXT-X-ENDLIST, is decoded: what a live player reading from its start gets.
        let base = "http://127.0.0.1:\(cluster.httpPorts[cluster.index(of: follower)])"
        let playlist = try cluster.waitFor("the follower lists both items whole", timeout: .seconds(40)) { () -> String? in
            guard let info = cluster.json(follower, "/v1/streams/00000000000000d2"), info["state"] as? String == "ended",
                let count = info["committed_fragments"] as? Int,
                let text = try? cluster.http(follower, "GET", "/v1/live/index.m3u8").text,
                text.contains("00000000000000d2/hls/\(count - 1).m4s"), text.contains("00000000000000d1/hls/0.m4s")
            else { return nil }
            return text
        }
        // ffmpeg's HLS demuxer keeps one MP4 demuxer across a discontinuity (the second item's init segment
        // and timestamps, which start again, are not taken), so each item's run of the playlist, as it stands
        // with absolute URIs and EXT-X-ENDLIST, is decoded on its own.
        let text = playlist.replacingOccurrences(of: "\n/v1/", with: "\n\(base)/v1/")
            .replacingOccurrences(of: "URI=\"/v1/", with: "URI=\"\(base)/v1/")
        let runs = text.components(separatedBy: "#EXT-X-DISCONTINUITY\n")
        XCTAssertEqual(runs.count, 2, "one discontinuity, between the items")
        let header = runs[0].components(separatedBy: "#EXT-X-RAFTCAST-ITEM")[0]
        for (position, run) in runs.enumerated() {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-live-\(UUID().uuidString).m3u8")
            addTeardownBlock { try? FileManager.default.removeItem(at: file) }
            try ((position == 0 ? run : header + run) + "#EXT-X-ENDLIST\n").write(to: file, atomically: true, encoding: .utf8)
            let hashes = try FrameMD5.frames(
                of: file.path, map: "0:v", inputOptions: ["-protocol_whitelist", "file,http,tcp"], timeout: 60
            ).map(\.hash)
            XCTAssertEqual(hashes.count, expected[position].count, "item \(position): every frame")
            XCTAssertTrue(hashes == expected[position], "item \(position): the source's frames, bit-exact")
        }
        XCTAssertTrue(playlist.contains("#EXT-X-DISCONTINUITY\n#EXT-X-RAFTCAST-ITEM:STREAM=\"00000000000000d2\""), playlist)
        let starts = playlist.split(separator: "\n").filter { $0.hasPrefix("#EXT-X-RAFTCAST-SEGMENT:AT-NS=") }
        XCTAssertGreaterThanOrEqual(starts.count, 2)
    }
}
