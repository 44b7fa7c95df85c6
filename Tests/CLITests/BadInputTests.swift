import Foundation
import TestSupport
import XCTest
import Raft

/// Every kind of bad input gives exit status 2 and exactly one line
/// `error: <file>: <reason>` on stderr, from the real `raftcast` binary.
final class BadInputTests: XCTestCase {
    private func assertRefused(_ file: String, reason: String, line: UInt = #line) throws {
        let result = try RaftcastBinary.run(["probe", file])
        XCTAssertEqual(result.status, 2, "exit status for \(file)", line: line)
        XCTAssertEqual(result.stderr, "error: \(file): \(reason)\n", line: line)
        XCTAssertEqual(result.stdout, "", line: line)
    }

    func testMissingFile() throws {
        try assertRefused(CLIFixtures.directory.appendingPathComponent("no-such.mp3").path, reason: "no such file")
    }

    func testDirectory() throws {
        try assertRefused(CLIFixtures.directory.path, reason: "is a directory, not a media file")
    }

    func testFIFOIsRefusedWithoutBlocking() throws {
        let fifo = CLIFixtures.directory.appendingPathComponent("pipe.mp3").path
        try? FileManager.default.removeItem(atPath: fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        try assertRefused(fifo, reason: "not a regular file")
    }

    func testFileNamesAreNotReadAsProtocols() throws {
        // "http:tone.mp3" in the current directory is a file, not a URL.
        let source = try CLIFixtures.media("mp3-cbr", ext: "mp3")
        let odd = CLIFixtures.directory.appendingPathComponent("http:tone.mp3").path
        try? FileManager.default.removeItem(atPath: odd)
        try FileManager.default.copyItem(atPath: source, toPath: odd)
        let result = try ToolProcess.run(
            try RaftcastExecutable.path(), ["probe", "http:tone.mp3", "--json"], timeout: 60,
            currentDirectory: CLIFixtures.directory)
        XCTAssertEqual(result.status, 0, String(decoding: result.stderr, as: UTF8.self))
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains("\"file\" : \"http:tone.mp3\""))
    }

    func testEmptyFile() throws {
        try assertRefused(try CLIFixtures.write("empty.mp3", Data()), reason: "file is empty")
    }

    func testRandomBytes() throws {
        var generator = SplitMix64(seed: 42)
        let bytes = Data((0..<65536).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try assertRefused(
            try CLIFixtures.write("random.mp4", bytes), reason: "not an MP3 or MP4 file (unrecognised data)")
    }

    func testTruncatedMP4WithoutMoov() throws {
        let whole = try CLIFixtures.bytes(try CLIFixtures.media("mp4-moov-end", ext: "mp4"))
        let file = try CLIFixtures.write("moov-lost.mp4", whole.prefix(whole.count * 6 / 10))
        try assertRefused(file, reason: "MP4 file without a usable 'moov' box (truncated or damaged)")
    }

    func testMP4WithVideoButNoAudio() throws {
        try assertRefused(try CLIFixtures.media("mp4-video-only", ext: "mp4"), reason: "no audio stream (video only)")
    }

    func testUndecodableAudioCodec() throws {
        // An M4A whose sample entry and codec config boxes are renamed: FFmpeg
        // sees an audio track with the unknown codec tag 'xxxx'.
        var bytes = try CLIFixtures.bytes(try CLIFixtures.media("m4a", ext: "m4a"))
        for tag in ["mp4a", "esds"] {
            let range = try XCTUnwrap(bytes.range(of: Data(tag.utf8)))
            bytes.replaceSubrange(range, with: Data("xxxx".utf8))
        }
        try assertRefused(
            try CLIFixtures.write("unknown-codec.m4a", bytes),
            reason: "audio codec 'none' (tag 'xxxx') cannot be decoded")
    }

    func testUnsupportedContainer() throws {
        let wav = CLIFixtures.directory.appendingPathComponent("tone.wav").path
        let made = try ToolProcess.run(
            "ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1", wav], timeout: 60)
        XCTAssertEqual(made.status, 0)
        try assertRefused(wav, reason: "unsupported container 'wav' (raftcast reads MP3, MP4 and M4A)")
    }

    func testTruncatedMP3IsAcceptedWithOneEndsEarlyWarning() throws {
        let whole = try CLIFixtures.bytes(try CLIFixtures.media("mp3-cbr", ext: "mp3"))
        let file = try CLIFixtures.write("cut.mp3", whole.prefix(whole.count / 2))
        let result = try RaftcastBinary.run(["probe", file])
        XCTAssertEqual(result.status, 0)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(lines.first?.hasPrefix("warning: \(file): ends early: audio stops at ") ?? false, result.stderr)
    }

    func testTruncatedMP4WithMoovFirstIsAcceptedWithAWarning() throws {
        let whole = try CLIFixtures.bytes(try CLIFixtures.media("mp4-bframes", ext: "mp4"))
        let file = try CLIFixtures.write("cut-mdat.mp4", whole.prefix(whole.count * 6 / 10))
        let result = try RaftcastBinary.run(["probe", file])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("warning: \(file): ends early"), result.stderr)
    }

    func testGarbageInTheMiddleOfAnMP3IsNotFatal() throws {
        var bytes = try CLIFixtures.bytes(try CLIFixtures.media("mp3-cbr", ext: "mp3"))
        var generator = SplitMix64(seed: 7)
        let middle = bytes.count / 2
        for i in middle..<(middle + 2000) { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let file = try CLIFixtures.write("garbled.mp3", bytes)
        let result = try RaftcastBinary.run(["probe", file, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stdout.isEmpty)
    }

    func testBadFragmentSecondsIsAUsageError() throws {
        let file = try CLIFixtures.media("mp3-cbr", ext: "mp3")
        for (value, reason) in [
            ("0", "fragment duration 0.0 s out of range (0.1...60.0 s)"),
            ("-2", "fragment duration -2.0 s out of range (0.1...60.0 s)"),
            ("1e9", "fragment duration 1000000000.0 s out of range (0.1...60.0 s)"),
            ("nan", "fragment duration nan s out of range (0.1...60.0 s)"),
            ("abc", "'abc' is not a number"),
        ] {
            let result = try RaftcastBinary.run(["probe", file, "--fragment-seconds", value])
            XCTAssertEqual(result.status, 2, value)
            XCTAssertEqual(result.stderr, "error: --fragment-seconds: \(reason)\n")
        }
    }
}

