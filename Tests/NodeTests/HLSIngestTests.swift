import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// HLS of a real ingest, checked with ffmpeg: an MP4 (H.264 with B-frames + AAC) uploaded to a one-node
/// Raft loop in this process, served on loopback; `ffmpeg -i http://…/hls/index.m3u8` decodes to the
/// source's video frames bit-exactly and to its audio frames after the AAC priming frame (which fMP4
/// without edit lists presents), every segment starts with a keyframe, and the ETag is the SHA-256.
final class HLSIngestTests: XCTestCase {
    static let secret = "hls-ingest-secret-0123456789"
    private var loop: RaftLoop?

    override func tearDown() async throws {
        if let loop {
            loop.requestStop()
            await loop.waitUntilStopped()
        }
        loop = nil
    }

    func testFFmpegPlaysTheHLSOfAnIngestBitExactly() throws {
        let source = try ScriptMedia.make(kind: "mp4-bframes", seconds: 10, name: "hls-ingest-bframes.mp4")
        let directory = try RouteTesting.directory(for: self, prefix: "raftcast-hls-ingest")
        let node = try InProcessNode.start(in: directory, secret: Self.secret, name: "hls-ingest")
        loop = node.loop
        let server = try FakeNodeServer.start(
            in: self, router: RouteTesting.api(node.loop, cluster: node.cluster, directory: directory, metrics: node.metrics).makeRouter())
        func http(_ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:]) throws -> HTTPFetch.Response {
            var headers = headers
            headers["Authorization"] = "Bearer \(AdminToken.token(secret: Array(Self.secret.utf8)))"
            return try HTTPFetch.request(
                host: "127.0.0.1", port: server.port, method: method, path: path, headers: headers, body: body, timeout: .seconds(30))
        }
        let upload = try http(
            "POST", "/v1/streams?filename=bframes.mp4&fast=1&id=00000000000000b1",
            body: Array(try Data(contentsOf: URL(fileURLWithPath: source))), headers: ["Content-Type": "application/octet-stream"])
        XCTAssertEqual(upload.status, 202, upload.text)
        let base = "/v1/streams/00000000000000b1/hls"
        try eventually("the stream ended", timeout: .seconds(60)) {
            (try? http("GET", "\(base)/index.m3u8"))?.text.contains("#EXT-X-ENDLIST") == true
        }
        let playlist = try http("GET", "\(base)/index.m3u8").text
        let segments = playlist.split(separator: "\n").filter { $0.hasSuffix(".m4s") }.map(String.init)
        XCTAssertGreaterThanOrEqual(segments.count, 3, playlist)

        let url = "http://127.0.0.1:\(server.port)\(base)/index.m3u8"
        let video = try FrameMD5.frames(of: url, map: "0:v")
        let sourceVideo = try FrameMD5.frames(of: source, map: "0:v")
        XCTAssertEqual(sourceVideo.count, 250)
        XCTAssertEqual(video.map { $0.shifted(by: 10 * 25) }, sourceVideo, "video is a bit-exact remux")
        let audio = try FrameMD5.frames(of: url, map: "0:a")
        let sourceAudio = try FrameMD5.frames(of: source, map: "0:a")
        XCTAssertEqual(audio.count, sourceAudio.count + 1, "one priming frame more")
        XCTAssertEqual(Array(audio.dropFirst()).map { $0.shifted(by: 10 * 44_100) }, sourceAudio, "audio is a bit-exact remux")

        let initSegment = try http("GET", "\(base)/init.mp4").body
        for segment in segments {
            let response = try http("GET", "\(base)/\(segment)")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.headers["etag"], "\"\(SHA256Hex.of(response.body))\"")
            let path = directory.appendingPathComponent("probe-\(segment).mp4").path
            try Data(initSegment + response.body).write(to: URL(fileURLWithPath: path))
            let probe = try ToolProcess.run(
                "ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0", path])
            XCTAssertEqual(probe.stdoutText.split(separator: "\n").first.map(String.init), "K_", "\(segment) starts with a keyframe")
        }
    }
}
