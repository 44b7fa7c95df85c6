@testable import Media
import XCTest
import TestSupport

/// Demuxing and fragmenting real files, checked against `ffprobe -show_packets`.
final class FragmenterTests: XCTestCase {
    private func fragments(_ path: String, seconds: Double = 2.0) throws -> (StreamHeader, [Fragment], [MediaWarning]) {
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: seconds)
        var out: [Fragment] = []
        while let f = try fragmenter.next() { out.append(f) }
        return (source.header, out, fragmenter.warnings)
    }

    /// Every packet of `track` across the fragments equals ffprobe's packet list.
    private func assertPacketsMatchFFprobe(
        _ path: String, fragments: [Fragment], track: TrackKind, type: String, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let index = try XCTUnwrap(try FFprobe.streamIndex(path, type: type), file: file, line: line)
        let expected = try FFprobe.packets(path, streamIndex: index)
        let actual = fragments.flatMap { $0.packets(of: track) }.map {
            ProbePacket(
                pts: $0.pts, dts: $0.dts, duration: $0.duration, size: $0.data.count, isKeyframe: $0.isKeyframe,
                isDiscard: $0.isDiscard, skipSamples: $0.skipSamples.map { $0.start })
        }
        XCTAssertGreaterThan(expected.count, 10, file: file, line: line)
        XCTAssertEqual(actual.count, expected.count, "packet count of \(type)", file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() where a != e {
            XCTFail("\(type) packet \(i): got \(a), ffprobe says \(e)", file: file, line: line)
            return
        }
    }

    /// Expected audio-only cuts from ffprobe's packets: before the packet whose
    /// start is the boundary nearest the target after the current start.
    private func expectedAudioCuts(_ packets: [ProbePacket], target: Int64) -> [Int64] {
        var starts: [Int64] = []
        for p in packets {
            guard let t = p.pts ?? p.dts else { continue }
            guard let current = starts.last else {
                starts.append(t)
                continue
            }
            if 2 * (t - current) >= 2 * target - p.duration { starts.append(t) }
        }
        return starts
    }

    func testMP3CBRMatchesFFprobeAndCutsNearestPacketBoundary() throws {
        let path = try MediaFixtures.path("mp3-cbr")
        let (header, fragments, warnings) = try fragments(path)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(header.audio.codecName, "mp3")
        XCTAssertEqual(header.audio.sampleRate, 44100)
        XCTAssertEqual(header.audio.channelCount, 2)
        XCTAssertNil(header.video)
        try assertPacketsMatchFFprobe(path, fragments: fragments, track: .audio, type: "audio")
        let probe = try FFprobe.packets(path, streamIndex: 0)
        XCTAssertEqual(probe.first?.skipSamples, 1105)
        let target = header.audio.timeBase.ticks(seconds: 2.0)
        XCTAssertEqual(fragments.map(\.startPTS), expectedAudioCuts(probe, target: target))
        XCTAssertEqual(fragments.map(\.index), Array(0..<fragments.count))
        for f in fragments.dropLast() {
            XCTAssertEqual(f.durationSeconds, 2.0, accuracy: 1152.0 / 44100 / 2 + 1e-9)
        }
        // Durations tile the stream: each ends where the next starts.
        for (a, b) in zip(fragments, fragments.dropFirst()) { XCTAssertEqual(a.startPTS + a.durationPTS, b.startPTS) }
    }

    func testMP3VBRMono22kMatchesFFprobe() throws {
        let path = try MediaFixtures.path("mp3-vbr-mono")
        let (header, fragments, warnings) = try fragments(path, seconds: 1.5)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(header.audio.sampleRate, 22050)
        XCTAssertEqual(header.audio.channelCount, 1)
        try assertPacketsMatchFFprobe(path, fragments: fragments, track: .audio, type: "audio")
        let probe = try FFprobe.packets(path, streamIndex: 0)
        let sizes = Set(probe.map(\.size))
        XCTAssertGreaterThan(sizes.count, 2, "VBR packets vary in size")
        XCTAssertEqual(
            fragments.map(\.startPTS), expectedAudioCuts(probe, target: header.audio.timeBase.ticks(seconds: 1.5)))
    }

    func testMP3CoverArtIsIgnored() throws {
        let path = try MediaFixtures.path("mp3-cover")
        let (header, fragments, _) = try fragments(path)
        XCTAssertNil(header.video, "the attached picture is not a video track")
        XCTAssertEqual(header.referenceTrack.kind, .audio)
        XCTAssertTrue(fragments.allSatisfy { $0.packets.allSatisfy { $0.track == .audio } })
        try assertPacketsMatchFFprobe(path, fragments: fragments, track: .audio, type: "audio")
    }

    /// With video: each fragment starts at the first keyframe at least the
    /// target after the previous start (keyframes from ffprobe).
    private func checkVideoFile(_ kind: String) throws {
        let path = try MediaFixtures.path(kind)
        let (header, fragments, warnings) = try fragments(path)
        XCTAssertEqual(warnings, [])
        let video = try XCTUnwrap(header.video)
        XCTAssertEqual(video.codecName, "h264")
        XCTAssertEqual(header.audio.codecName, "aac")
        XCTAssertFalse(header.audio.extradata.isEmpty, "AAC needs its AudioSpecificConfig")
        XCTAssertFalse(video.extradata.isEmpty)
        try assertPacketsMatchFFprobe(path, fragments: fragments, track: .video, type: "video")
        try assertPacketsMatchFFprobe(path, fragments: fragments, track: .audio, type: "audio")

        let videoPackets = try FFprobe.packets(
            path, streamIndex: try XCTUnwrap(FFprobe.streamIndex(path, type: "video")))
        XCTAssertTrue(videoPackets.contains { ($0.pts ?? 0) != ($0.dts ?? 0) }, "B-frames reorder pts")
        let keyframes = videoPackets.filter(\.isKeyframe).compactMap(\.pts)
        let target = video.timeBase.ticks(seconds: 2.0)
        var expected: [Int64] = []
        for k in keyframes where expected.last.map({ k - $0 >= target }) ?? true { expected.append(k) }
        XCTAssertEqual(fragments.map(\.startPTS), expected)
        XCTAssertGreaterThanOrEqual(fragments.count, 3)
        for f in fragments {
            XCTAssertTrue(f.startsWithKeyframe, "fragment \(f.index)")
            XCTAssertEqual(f.packets(of: .video).first?.pts, f.startPTS)
            XCTAssertEqual(f.referenceTrack, .video)
        }
        for (a, b) in zip(fragments, fragments.dropFirst()) { XCTAssertEqual(a.startPTS + a.durationPTS, b.startPTS) }
    }

    func testMP4WithBFramesAndIrregularKeyframesMatchesFFprobe() throws {
        try checkVideoFile("mp4-bframes")
    }

    func testMP4WithMoovAtTheEndMatchesFFprobe() throws {
        try checkVideoFile("mp4-moov-end")
    }

    func testAACOnlyM4AMatchesFFprobeWithPrimingPacket() throws {
        let path = try MediaFixtures.path("m4a")
        let (header, fragments, warnings) = try fragments(path)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(header.audio.codecName, "aac")
        try assertPacketsMatchFFprobe(path, fragments: fragments, track: .audio, type: "audio")
        let first = try XCTUnwrap(fragments.first?.packets.first)
        XCTAssertTrue(first.isDiscard, "AAC priming packet is flagged discard")
        let probe = try FFprobe.packets(path, streamIndex: 0)
        XCTAssertEqual(
            fragments.map(\.startPTS), expectedAudioCuts(probe, target: header.audio.timeBase.ticks(seconds: 2.0)))
    }

    func testTruncatedMP3EndsWithAWarning() throws {
        let path = try MediaFixtures.path("mp3-cbr")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = MediaFixtures.scratch("truncated.mp3")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let (_, fragments, warnings) = try fragments(cut)
        XCTAssertFalse(fragments.isEmpty)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.message.hasPrefix("ends early") ?? false, "\(warnings)")
    }

    func testAudioStartMatchesFFprobeStartTime() throws {
        for kind in ["mp3-cbr", "mp3-vbr-mono", "m4a", "mp4-bframes", "mp4-moov-end"] {
            let path = try MediaFixtures.path(kind)
            let result = try ToolProcess.run(
                "ffprobe",
                ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=start_pts", "-of", "csv=p=0", path])
            let expected = Int64(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
            XCTAssertEqual(try MediaSource(path: path).header.audio.startPTS, expected, kind)
        }
    }

    func testTruncatedMP3WithoutXingHeaderWarnsAboutTheCutFrame() throws {
        let path = try MediaFixtures.path("mp3-no-xing")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let (_, whole, wholeWarnings) = try fragments(path)
        XCTAssertEqual(wholeWarnings, [], "the complete file ends on a whole frame")
        XCTAssertFalse(whole.isEmpty)
        // Cut in the middle of a frame (frames are 417 or 418 bytes at 128 kb/s).
        let cut = MediaFixtures.scratch("truncated-no-xing.mp3")
        try bytes.prefix(bytes.count / 2 + 201).write(to: URL(fileURLWithPath: cut))
        let (_, fragments, warnings) = try fragments(cut)
        XCTAssertFalse(fragments.isEmpty)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.message.hasPrefix("ends early: last MP3 frame cut short") ?? false, "\(warnings)")
    }

    func testMPEGAudioFrameLengths() {
        // 128 kb/s, 44.1 kHz, MPEG-1 layer III: 417 bytes, 418 with padding.
        XCTAssertEqual(MPEGAudioFrame.layer3Length(header: 0xFFFB_9000), 417)
        XCTAssertEqual(MPEGAudioFrame.layer3Length(header: 0xFFFB_9200), 418)
        // 64 kb/s, 22.05 kHz, MPEG-2 layer III: 72000 * 64 / 22050 = 208.
        XCTAssertEqual(MPEGAudioFrame.layer3Length(header: 0xFFF3_8000), 208)
        XCTAssertNil(MPEGAudioFrame.layer3Length(header: 0x4944_3303), "ID3 is not a frame header")
    }

    func testSecondFragmenterStartsAgainFromTheBeginning() throws {
        let source = try MediaSource(path: try MediaFixtures.path("mp3-cbr"))
        let a = try source.fragments()
        let b = try source.fragments()
        let first = try XCTUnwrap(try a.next())
        XCTAssertEqual(try b.next(), first)
    }

    func testFragmentDurationIsValidated() throws {
        let source = try MediaSource(path: try MediaFixtures.path("mp3-cbr"))
        for bad in [0, -1, 0.01, 1000, .nan, .infinity] {
            XCTAssertThrowsError(try source.fragments(targetSeconds: bad)) { error in
                XCTAssertEqual((error as? MediaError)?.kind, .invalidSetting)
            }
        }
    }
}
