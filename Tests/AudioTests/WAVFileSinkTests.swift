import Audio
import Foundation
import XCTest

final class WAVFileSinkTests: XCTestCase {
    func testWAVIsValidForFFprobeAndHoldsExactlyTheSamples() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory.appendingPathComponent("fallback.wav").path
        let signal = TestSignal.make(frames: 48_000 + 480, seed: 5)
        let sink = try WAVFileSink(path: path, format: .standard)
        XCTAssertFalse(sink.pacesInRealTime)
        try sink.write(Array(signal[0..<2_000]))
        try sink.write(Array(signal[2_000...]))
        XCTAssertEqual(sink.framesWritten, 48_480)
        try sink.close()
        try sink.close()

        let probe = try runTool(
            "/usr/bin/ffprobe", ["-v", "error", "-show_streams", "-count_packets", "-of", "flat", path], in: directory)
        XCTAssertEqual(probe.status, 0, probe.standardError)
        let fields = Dictionary(
            probe.standardOutput.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                return (String(parts[0]), parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(fields["streams.stream.0.codec_name"], "pcm_s16le")
        XCTAssertEqual(fields["streams.stream.0.sample_rate"], "48000")
        XCTAssertEqual(fields["streams.stream.0.channels"], "2")
        XCTAssertEqual(fields["streams.stream.0.duration"], "1.010000")

        let decoded = try runTool(
            "/usr/bin/ffmpeg", ["-v", "error", "-i", path, "-f", "s16le", "-acodec", "pcm_s16le", directory.appendingPathComponent("decoded.raw").path],
            in: directory)
        XCTAssertEqual(decoded.status, 0, decoded.standardError)
        let samples = TestSignal.samples(try Data(contentsOf: directory.appendingPathComponent("decoded.raw")))
        XCTAssertEqual(samples.count, signal.count)
        XCTAssertTrue(samples == signal, "ffmpeg decoded different samples than were written")
    }

    func testHeaderIsCompleteAfterDrainWhileStillOpen() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("open.wav")
        let format = AudioFormat(sampleRate: 22_050, channels: 1)
        let sink = try WAVFileSink(path: url.path, format: format)
        let signal = TestSignal.make(frames: 1_001, sampleRate: 22_050, channels: 1)
        try sink.write(signal)
        try sink.drain()
        let wav = try WAVTestFile(contentsOf: url)
        XCTAssertEqual(wav.channels, 1)
        XCTAssertEqual(wav.sampleRate, 22_050)
        XCTAssertEqual(wav.byteRate, 44_100)
        XCTAssertEqual(wav.blockAlign, 2)
        XCTAssertEqual(wav.dataSize, 2_002)
        XCTAssertEqual(wav.riffSize, 36 + 2_002)
        XCTAssertEqual(TestSignal.samples(wav.data), signal)
        try sink.close()
        XCTAssertThrowsError(try sink.write(signal)) { XCTAssertEqual($0 as? AudioError, .closed(device: url.path)) }
    }

    func testUnwritablePathIsOneLineNamingThePath() {
        XCTAssertThrowsError(try WAVFileSink(path: "/nonexistent-dir/x.wav")) {
            XCTAssertEqual(
                ($0 as? AudioError)?.description,
                "/nonexistent-dir/x.wav: cannot create WAV file: No such file or directory")
        }
    }
}
