import Foundation
import Media
import TestSupport
import XCTest

/// The fMP4 writer against ffmpeg: an HLS playlist of its segments decodes to the source's frames
/// (bit-exact remux), every segment starts on a keyframe, and the bytes are the same on every call.
final class FMP4WriterTests: XCTestCase {
    /// A stream's fragments written as a local HLS folder (index.m3u8, init.mp4, n.m4s).
    private struct Written {
        var folder: URL
        var header: StreamHeader
        var fragments: [Fragment]
        var initSegment: [UInt8]
        var segments: [[UInt8]]
        var playlist: URL { folder.appendingPathComponent("index.m3u8") }
    }

    private func write(_ source: String, name: String, fragmentSeconds: Double = 2) throws -> Written {
        let media = try MediaSource(path: source)
        let fragmenter = try media.fragments(targetSeconds: fragmentSeconds)
        var fragments: [Fragment] = []
        while let fragment = try fragmenter.next() { fragments.append(fragment) }
        let writer = FMP4Writer(header: media.header)
        let packed = PackedAudioWriter(header: media.header)
        let ext = packed == nil ? "m4s" : "mp3"
        let folder = URL(fileURLWithPath: MediaFixtures.scratch("hls-\(name)"))
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let initSegment = try writer.initSegment()
        try Data(initSegment).write(to: folder.appendingPathComponent("init.mp4"))
        var segments: [[UInt8]] = []
        for fragment in fragments {
            let bytes = try packed?.segment(fragment) ?? writer.mediaSegment(fragment)
            try Data(bytes).write(to: folder.appendingPathComponent("\(fragment.index).\(ext)"))
            segments.append(bytes)
        }
        let playlist = HLSPlaylist(
            mapURI: packed == nil ? "init.mp4" : nil,
            segments: fragments.map { .init(uri: "\($0.index).\(ext)", durationSeconds: $0.durationSeconds) }, ended: true)
        try Data(playlist.text.utf8).write(to: folder.appendingPathComponent("index.m3u8"))
        return Written(folder: folder, header: media.header, fragments: fragments, initSegment: initSegment, segments: segments)
    }

    /// The writer's shift, in the framemd5 output time base `1/den` of a track.
    private func offset(den: Int64) -> Int64 { 10 * den }

    func testVideoOfAnHLSRemuxDecodesToTheSourceFrames() throws {
        let source = try MediaFixtures.path("mp4-bframes", seconds: 10)
        let written = try write(source, name: "bframes-video")
        XCTAssertGreaterThanOrEqual(written.fragments.count, 3)
        let expected = try FrameMD5.frames(of: source, map: "0:v")
        let actual = try FrameMD5.frames(of: written.playlist.path, map: "0:v")
        XCTAssertEqual(expected.count, 250)
        // framemd5 of video counts in 1/25 s: the remux is 10 s (250 ticks) later, nothing else differs.
        XCTAssertEqual(actual.map { $0.shifted(by: offset(den: 25)) }, expected)
    }

    func testAudioOfAnHLSRemuxDecodesToTheSourceFramesAfterThePriming() throws {
        let source = try MediaFixtures.path("mp4-bframes", seconds: 10)
        let written = try write(source, name: "bframes-audio")
        let expected = try FrameMD5.frames(of: source, map: "0:a")
        let actual = try FrameMD5.frames(of: written.playlist.path, map: "0:a")
        // The source drops the encoder's 1024 priming samples (its edit list); fMP4 without edit lists
        // presents them as one more frame, 1024 samples before the first. The rest is bit-exact.
        XCTAssertEqual(actual.count, expected.count + 1)
        XCTAssertEqual(actual.first?.pts, offset(den: 44100) - 1024)
        XCTAssertEqual(Array(actual.dropFirst()).map { $0.shifted(by: offset(den: 44100)) }, expected)
    }

    func testEverySegmentStartsWithAVideoKeyframe() throws {
        let source = try MediaFixtures.path("mp4-bframes", seconds: 10)
        let written = try write(source, name: "bframes-keyframes", fragmentSeconds: 1)
        for (index, segment) in written.segments.enumerated() {
            let path = written.folder.appendingPathComponent("whole-\(index).mp4").path
            try Data(written.initSegment + segment).write(to: URL(fileURLWithPath: path))
            let packets = try FFprobe.packets(path, streamIndex: 0)
            XCTAssertEqual(packets.first?.isKeyframe, true, "segment \(index) does not start with a keyframe")
            XCTAssertEqual(packets.count, written.fragments[index].packets(of: .video).count, "segment \(index)")
        }
    }

    func testSegmentsAreTheSameBytesOnEveryCallAndFromEveryWriter() throws {
        let source = try MediaFixtures.path("mp4-bframes", seconds: 10)
        let first = try write(source, name: "bframes-det-1")
        let second = try write(source, name: "bframes-det-2")
        XCTAssertEqual(first.initSegment, second.initSegment)
        XCTAssertEqual(first.segments, second.segments)
        let again = FMP4Writer(header: first.header)
        XCTAssertEqual(try again.mediaSegment(first.fragments[2]), first.segments[2])
        XCTAssertEqual(try again.initSegment(), first.initSegment)
        // No creation time or encoder string: "Lavf" never appears, ftyp/moov/moof/mdat in order.
        XCTAssertNil(first.initSegment.firstRange(of: Array("Lavf".utf8)))
        XCTAssertEqual(Self.topLevelBoxes(first.initSegment), ["ftyp", "moov"])
        XCTAssertEqual(Self.topLevelBoxes(first.segments[1]), ["moof", "mdat"])
    }

    /// MP3 is packed audio (Chromium's MSE takes `audio/mpeg`, not MP3 in MP4): an ID3 timestamp, then
    /// the frames byte for byte.
    func testAnMP3StreamPlaysFromItsPackedAudioSegments() throws {
        let source = try MediaFixtures.path("mp3-cbr", seconds: 6)
        let written = try write(source, name: "mp3")
        XCTAssertEqual(HLSSegmentFormat(header: written.header), .packedMP3)
        XCTAssertEqual(FMP4Writer(header: written.header).codecs, "mp4a.6B")
        let second = written.segments[1]
        XCTAssertEqual(Array(second.prefix(10)), [0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 63])
        XCTAssertEqual(Array(second[20..<65]), Array("com.apple.streaming.transportStreamTimestamp".utf8) + [0])
        let fragment = written.fragments[1]
        let seconds = 10 + written.header.audio.timeBase.seconds(fragment.packets[0].pts ?? -1)
        let stamp = second[65..<73].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        XCTAssertEqual(Double(stamp) / 90_000, seconds, accuracy: 1.0 / 90_000)
        XCTAssertEqual(Array(second.dropFirst(73)), fragment.packets.flatMap(\.data))
        let expected = try FrameMD5.frames(of: source, map: "0:a")
        let actual = try FrameMD5.frames(of: written.playlist.path, map: "0:a")
        // The source trims the encoder delay out of its first frame and the padding out of its last (LAME's
        // Info frame); the remux plays both whole. Every frame between is bit-exact.
        XCTAssertEqual(actual.count, expected.count)
        XCTAssertGreaterThan(expected.count, 200)
        XCTAssertEqual(actual.dropFirst().dropLast().map(\.hash), expected.dropFirst().dropLast().map(\.hash))
        XCTAssertEqual(actual.first?.size, 1152 * 4, "the first frame whole")
    }

    func testAnAACOnlyStreamPlaysFromItsSegments() throws {
        let source = try MediaFixtures.path("m4a", seconds: 6)
        let written = try write(source, name: "m4a")
        XCTAssertEqual(FMP4Writer(header: written.header).codecs, "mp4a.40.2")
        let expected = try FrameMD5.frames(of: source, map: "0:a")
        let actual = try FrameMD5.frames(of: written.playlist.path, map: "0:a")
        XCTAssertGreaterThan(expected.count, 200)
        XCTAssertEqual(actual.count, expected.count + 1, "the priming frame")
        XCTAssertEqual(Array(actual.dropFirst()).map { $0.shifted(by: offset(den: 44100)) }, expected)
    }

    func testPlaylistTargetDurationCoversTheLongestSegment() {
        let playlist = HLSPlaylist(
            segments: [.init(uri: "0.m4s", durationSeconds: 2.0), .init(uri: "1.m4s", durationSeconds: 2.04)], ended: false)
        XCTAssertTrue(playlist.text.contains("#EXT-X-TARGETDURATION:3\n"))
        XCTAssertTrue(playlist.text.contains("#EXTINF:2.040000,\n1.m4s\n"))
        XCTAssertFalse(playlist.text.contains("ENDLIST"))
        XCTAssertTrue(HLSPlaylist(segments: [], ended: true).text.hasSuffix("#EXT-X-ENDLIST\n"))
    }

    static func topLevelBoxes(_ bytes: [UInt8]) -> [String] {
        var names: [String] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            let size = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            names.append(String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self))
            guard size >= 8 else { break }
            offset += size
        }
        return names
    }
}
