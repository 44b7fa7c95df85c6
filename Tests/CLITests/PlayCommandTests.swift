import Foundation
import TestSupport
import XCTest

/// `raftcast play` end to end: the real binary, real FFmpeg, real alsa-lib through its `file` plugin,
/// compared with ffmpeg's own decode of the same file.
final class PlayCommandTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-play-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testPlayThroughALSAFilePluginEqualsFFmpegDecode() throws {
        let mp3 = try makeMP3(seconds: 3)
        let captured = directory.appendingPathComponent("captured.raw").path
        let run = try RaftcastExecutable.run(["play", mp3, "--device", "file:FILE=\(captured),FORMAT=raw", "--fast"])
        XCTAssertEqual(run.status, 0, run.stderrText)
        let reference = try ToolProcess.run(
            "ffmpeg", ["-v", "error", "-i", mp3, "-f", "s16le", "-ar", "48000", "-ac", "2", "-"]).stdout
        let audio = try Data(contentsOf: URL(fileURLWithPath: captured))
        XCTAssertGreaterThan(reference.count, 48_000 * 4 * 2)
        XCTAssertEqual(audio.count, reference.count, "captured length differs from ffmpeg's decode")
        XCTAssertTrue(audio == reference, "captured PCM differs from ffmpeg's decode")
        XCTAssertTrue(run.stdoutText.contains("played 3."), run.stdoutText)
    }

    func testPlayIsPacedToRealTime() throws {
        let mp3 = try makeMP3(seconds: 1)
        let start = ContinuousClock.now
        let run = try RaftcastExecutable.run(["play", mp3, "--device", "null"])
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(run.status, 0, run.stderrText)
        // A lower bound only: a non-pacing device must still take the audio's duration.
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(950))
    }

    func testNoSoundCardFallsBackToWAV() throws {
        try XCTSkipIf(FileManager.default.fileExists(atPath: "/proc/asound/card0"), "this machine has a sound card")
        let mp3 = try makeMP3(seconds: 1)
        let wav = directory.appendingPathComponent("fallback.wav").path
        let run = try RaftcastExecutable.run(["play", mp3, "--device", "default", "--wav", wav, "--fast"])
        XCTAssertEqual(run.status, 0, run.stderrText)
        XCTAssertTrue(run.stderrText.contains("no sound card"), run.stderrText)
        XCTAssertTrue(run.stderrText.contains(wav), run.stderrText)
        let decoded = try ToolProcess.run("ffmpeg", ["-v", "error", "-i", wav, "-f", "s16le", "-"]).stdout
        let reference = try ToolProcess.run(
            "ffmpeg", ["-v", "error", "-i", mp3, "-f", "s16le", "-ar", "48000", "-ac", "2", "-"]).stdout
        XCTAssertGreaterThan(reference.count, 0)
        XCTAssertTrue(decoded == reference, "WAV fallback differs from ffmpeg's decode")
    }

    func testUnknownDeviceIsBadInput() throws {
        let mp3 = try makeMP3(seconds: 1)
        let run = try RaftcastExecutable.run(["play", mp3, "--device", "nosuchdevice"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stderrText.split(separator: "\n").count, 1, run.stderrText)
        XCTAssertTrue(run.stderrText.hasPrefix("error: nosuchdevice: "), run.stderrText)
    }

    func testMissingFileIsBadInput() throws {
        let missing = directory.appendingPathComponent("nope.mp3").path
        let run = try RaftcastExecutable.run(["play", missing])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderrText.hasPrefix("error: \(missing): "), run.stderrText)
        XCTAssertEqual(run.stderrText.split(separator: "\n").count, 1, run.stderrText)
    }

    private func makeMP3(seconds: Int) throws -> String {
        let path = directory.appendingPathComponent("tone-\(seconds)s.mp3").path
        let run = try ToolProcess.run(
            "ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds):sample_rate=44100",
             "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", path])
        XCTAssertEqual(run.status, 0, run.stderrText)
        return path
    }
}
