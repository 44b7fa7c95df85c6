import Foundation
import Media
import TestSupport
import XCTest

/// Crafted files (TestSupport's `CraftedMedia`; MediaTests shows with ffprobe that each is what it claims)
/// through the real `raftcast probe` and `raftcast play`: exit status 2 and exactly one line
/// `error: FILE: <reason>` — the reason the library gives — instead of a trap or an absurd allocation.
final class CraftedMediaCommandTests: XCTestCase {
    /// `tfdt` jumps (ticks of 1/48000 s), a step back, a negative time, a huge `mdhd` duration and a Xing
    /// header counting 2³²−1 frames.
    static let refused: [CraftedMedia.Kind] = [
        .tfdtJump(1 << 31), .tfdtJump(1_000_000_000_000), .tfdtJump(1_000_000_000_000_000), .tfdtJump(1 << 62),
        .tfdtBackwards(48_000), .tfdtNegative, .mdhdDuration(1 << 62), .xingFrames(.max),
    ]

    /// The reason the library refuses `path` with.
    private func libraryReason(_ path: String) throws -> String {
        do {
            _ = try FragmentPlan(source: MediaSource(path: path))
        } catch {
            XCTAssertEqual(error.kind, .invalidTiming, "\(error)")
            return error.reason
        }
        throw TestFailure("\(path) is accepted by the library")
    }

    private struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    func testProbeRefusesEachCraftedFileWithOneLine() throws {
        for kind in Self.refused {
            let file = try CraftedMedia.file(kind, in: CLIFixtures.directory)
            let reason = try libraryReason(file)
            let run = try RaftcastBinary.run(["probe", file, "--json"])
            XCTAssertEqual(run.status, 2, "\(kind): \(run.stderr)")
            XCTAssertEqual(run.stderr, "error: \(file): \(reason)\n", "\(kind)")
            XCTAssertEqual(run.stdout, "", "\(kind)")
        }
    }

    func testPlayRefusesEachCraftedFileWithOneLine() throws {
        for kind in Self.refused {
            let file = try CraftedMedia.file(kind, in: CLIFixtures.directory)
            let reason = try libraryReason(file)
            let wav = CLIFixtures.directory.appendingPathComponent("crafted-\(kind.fileName).wav").path
            let run = try RaftcastBinary.run(["play", file, "--device", "default", "--wav", wav, "--fast"])
            XCTAssertEqual(run.status, 2, "\(kind): \(run.stderr)")
            let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.map(String.init)
            XCTAssertEqual(errors, ["error: \(file): \(reason)"], "\(kind): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasSuffix("error: \(file): \(reason)\n"), "the error is the last line: \(run.stderr)")
            XCTAssertFalse(run.stdout.contains("played"), "\(kind): \(run.stdout)")
        }
    }

    func testTheUntouchedFileStillProbesAndPlays() throws {
        // The crafted files' common base (no forged field): the refusals above are the field's doing.
        _ = try CraftedMedia.baseMP4(in: CLIFixtures.directory)
        let file = CLIFixtures.directory.appendingPathComponent("crafted-base.mp4").path
        let probe = try RaftcastBinary.run(["probe", file])
        XCTAssertEqual(probe.status, 0, probe.stderr)
        XCTAssertEqual(probe.stderr, "")
        let wav = CLIFixtures.directory.appendingPathComponent("crafted-base.wav").path
        let play = try RaftcastBinary.run(["play", file, "--device", "default", "--wav", wav, "--fast"])
        XCTAssertEqual(play.status, 0, play.stderr)
        let seconds = play.stdout.split(separator: " ").dropFirst().first.flatMap { Double($0) }
        XCTAssertEqual(seconds ?? 0, 8.0, accuracy: 0.1, play.stdout)
    }
}
