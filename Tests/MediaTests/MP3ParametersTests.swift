@testable import Media
import CFFmpeg
import XCTest
import TestSupport

/// An MP3 with a Xing/Info header is described from its first frame header,
/// without `avformat_find_stream_info`: the description must be what ffprobe
/// (which runs it) reports, for every kind of MPEG audio layer III stream.
final class MP3ParametersTests: XCTestCase {
    /// Encodes `seconds` of a tone plus noise with libmp3lame.
    private func encode(_ name: String, rate: Int, channels: Int, _ options: [String]) throws -> String {
        let path = MediaFixtures.scratch("mp3-parameters-\(name).mp3")
        let result = try ToolProcess.run(
            "ffmpeg",
            [
                "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=523:sample_rate=\(rate):duration=3",
                "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.05:seed=3:sample_rate=\(rate):duration=3",
                "-filter_complex", "[0][1]amix=inputs=2:normalize=0", "-ac", String(channels), "-c:a", "libmp3lame",
            ] + options + [path])
        guard result.status == 0 else { throw ToolFailure(command: "ffmpeg \(name)", stderr: result.stderrText) }
        return path
    }

    private func assertMatchesFFprobe(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let audio = try MediaSource(path: path).header.audio
        let probe = try FFprobe.audioStream(path)
        XCTAssertEqual(audio.sampleRate, probe.sampleRate, "sample rate", file: file, line: line)
        XCTAssertEqual(audio.channelCount, probe.channels, "channels", file: file, line: line)
        XCTAssertEqual(audio.channelLayoutName, probe.channelLayout, "channel layout", file: file, line: line)
        let format = av_get_sample_fmt_name(AVSampleFormat(rawValue: audio.format)).map { String(cString: $0) }
        XCTAssertEqual(format, probe.sampleFormat, "sample format", file: file, line: line)
        XCTAssertEqual(audio.bitRate, probe.bitRate, "bit rate", file: file, line: line)
        XCTAssertEqual("\(audio.timeBase.numerator)/\(audio.timeBase.denominator)", probe.timeBase, file: file, line: line)
        XCTAssertEqual(audio.durationPTS, probe.durationTS, "duration", file: file, line: line)
        XCTAssertEqual(audio.startPTS, probe.startPTS ?? 0, "start", file: file, line: line)
        // ffprobe does not print the frame size: layer III frames are 1152 samples in MPEG-1, 576 below 32 kHz.
        XCTAssertEqual(audio.frameSize, audio.sampleRate >= 32000 ? 1152 : 576, "frame size", file: file, line: line)
    }

    func testCBRWithInfoHeader() throws {
        try assertMatchesFFprobe(try MediaFixtures.path("mp3-cbr"))
        try assertMatchesFFprobe(try encode("cbr-48k-mono", rate: 48000, channels: 1, ["-b:a", "96k"]))
        try assertMatchesFFprobe(try encode("cbr-32k", rate: 32000, channels: 2, ["-b:a", "320k"]))
    }

    func testVBRWithXingHeader() throws {
        try assertMatchesFFprobe(try MediaFixtures.path("mp3-vbr-mono"))
        try assertMatchesFFprobe(try encode("vbr-stereo", rate: 44100, channels: 2, ["-q:a", "2"]))
    }

    func testMPEG2AndMPEG25() throws {
        try assertMatchesFFprobe(try encode("mpeg2-24k", rate: 24000, channels: 2, ["-b:a", "64k"]))
        try assertMatchesFFprobe(try encode("mpeg25-8k", rate: 8000, channels: 1, ["-b:a", "16k"]))
    }

    func testTagsAndCoverArtBeforeTheFirstFrame() throws {
        try assertMatchesFFprobe(try MediaFixtures.path("mp3-cover"))
        try assertMatchesFFprobe(
            try encode("id3", rate: 44100, channels: 2, ["-b:a", "128k", "-metadata", "title=t", "-write_id3v1", "1"]))
        try assertMatchesFFprobe(MediaFixtures.repositoryRoot.appendingPathComponent("media/sample.mp3").path)
    }

    /// Without a Xing/Info header FFmpeg's own estimates (duration from the bit
    /// rate, the bit rate averaged over frames) are kept: the stream-info probe runs.
    func testWithoutXingHeaderFFmpegEstimatesAreKept() throws {
        try assertMatchesFFprobe(try MediaFixtures.path("mp3-no-xing"))
        try assertMatchesFFprobe(try encode("vbr-no-xing", rate: 44100, channels: 2, ["-q:a", "2", "-write_xing", "0"]))
    }

    /// Reading a long MP3 straight through keeps libavformat's per-frame seek index bounded (a leader reads
    /// one for as long as the broadcast lasts; the index would otherwise grow by 24 bytes a frame to 1 MiB).
    func testReadingALongMP3KeepsTheSeekIndexSmall() throws {
        let path = MediaFixtures.scratch("mp3-index-long.mp3")
        let result = try ToolProcess.run(
            "ffmpeg",
            ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=300", "-ac", "1",
             "-c:a", "libmp3lame", "-b:a", "32k", path])
        guard result.status == 0 else { throw ToolFailure(command: "ffmpeg long mp3", stderr: result.stderrText) }
        let demuxer = try Demuxer(path: path)
        var packets = 0
        var largestIndex = 0
        reading: while true {
            switch demuxer.read() {
            case .packet: packets += 1
            case .warning: continue
            case .failure(let error): return XCTFail("\(error)")
            case .end: break reading
            }
            largestIndex = max(largestIndex, demuxer.audioIndexEntryCount)
        }
        XCTAssertGreaterThan(packets, 11_000, "5 minutes of 44.1 kHz MP3 frames")
        XCTAssertLessThanOrEqual(largestIndex, Int(Demuxer.mp3IndexBytes) / 24, "seek index entries")
    }

    func testFrameHeaderParameters() {
        // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417 bytes.
        XCTAssertEqual(
            MPEGAudioFrame.parameters(header: 0xFFFB_9044),
            .init(sampleRate: 44100, channelCount: 2, samplesPerFrame: 1152, bitRate: 128_000, length: 417))
        // MPEG-2 layer III, 64 kbit/s, 22.05 kHz, single channel, padded: 209 bytes.
        XCTAssertEqual(
            MPEGAudioFrame.parameters(header: 0xFFF3_82C0),
            .init(sampleRate: 22050, channelCount: 1, samplesPerFrame: 576, bitRate: 64000, length: 209))
        XCTAssertNil(MPEGAudioFrame.parameters(header: 0xFFFB_0044), "free format: no bit rate in the header")
        XCTAssertNil(MPEGAudioFrame.parameters(header: 0xFFFD_9044), "layer II")
    }
}
