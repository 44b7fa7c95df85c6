import Foundation
import Fuzzing
import Raft
import TestSupport
import XCTest

/// Every decoder of untrusted bytes under a few thousand fuzz inputs (the CI share of docs/fuzzing.md;
/// `scripts/fuzz.sh` runs a million each): no crash, no violated property, bounded memory, and inputs that
/// reach both the decoder's refusals and its accepted values.
final class FuzzTargetTests: XCTestCase {
    /// The targets, made once per process from ffmpeg-made seed media.
    private static let targets: [FuzzTarget] = {
        let scratch = ScratchDirectory.forProcess(prefix: "raftcast-fuzz-tests").path
        do {
            let media = try FuzzMediaFiles.make(in: scratch + "/media")
            return FuzzTargets.all(material: try FuzzMaterial(media: media), scratch: scratch)
        } catch {
            fatalError("seed media: \(error)")
        }
    }()

    private func target(_ name: String) throws -> FuzzTarget {
        try XCTUnwrap(Self.targets.first { $0.name == name }, "no target \(name)")
    }

    /// Runs `inputs` of `name` and checks the report.
    private func fuzz(_ name: String, inputs: Int, seed: UInt64 = 13) throws {
        var runner = FuzzRunner()
        runner.warmUpInputs = inputs / 4
        let report = runner.run(try target(name), seed: seed, inputs: inputs)
        XCTAssertEqual(report.inputs, inputs)
        XCTAssertEqual(report.failureCount, 0, report.failures.map(\.description).joined(separator: "\n"))
        XCTAssertNil(report.memoryFailure)
        // Both sides of the decoder were reached: the mutations are neither all fatal nor all harmless.
        XCTAssertGreaterThan(report.accepted, inputs / 100, "\(name): accepted \(report.accepted) of \(inputs)")
        XCTAssertGreaterThan(report.rejected, inputs / 10, "\(name): rejected \(report.rejected) of \(inputs)")
        XCTAssertGreaterThan(report.peakResidentBytes, 0)
    }

    func testEveryDecoderHasATargetWhoseSeedsDecode() throws {
        XCTAssertEqual(Self.targets.map(\.name), FuzzTargets.names)
        for target in Self.targets {
            XCTAssertFalse(target.seeds.isEmpty, target.name)
            for seed in target.seeds {
                XCTAssertEqual(try target.check(seed.bytes), .accepted, "\(target.name) seed \(seed.name)")
                for field in seed.fields {
                    XCTAssertLessThanOrEqual(field.offset + field.width, seed.bytes.count, "\(target.name) \(seed.name)")
                }
            }
        }
    }

    func testFragmentRecord() throws { try fuzz("fragment", inputs: 3_000) }
    func testStreamHeaderRecord() throws { try fuzz("stream-header", inputs: 3_000) }
    func testCatalogueEntry() throws { try fuzz("catalogue-entry", inputs: 3_000) }
    func testCatalogueSnapshot() throws { try fuzz("catalogue-snapshot", inputs: 2_000) }
    func testRaftMessage() throws { try fuzz("raft-message", inputs: 5_000) }
    func testClockSyncMessage() throws { try fuzz("clock-sync", inputs: 5_000) }
    func testMemberChange() throws { try fuzz("member-change", inputs: 5_000) }
    func testUploadValidation() throws { try fuzz("upload", inputs: 1_000) }

    /// A planted property (an accepted Raft message must not carry a term of 2^62 or more) is broken by
    /// some input, and that input replays alone from (seed, iteration): the mutator reaches fields past the
    /// header and the report names an input that reproduces.
    func testPlantedBugIsFoundAndReplays() throws {
        let codec = try target("raft-message")
        let planted = FuzzTarget(name: "planted", summary: "", seeds: codec.seeds, check: { input throws(FuzzViolation) in
            let verdict = try codec.check(input)
            if verdict == .accepted, input.count >= 27 {
                let term = input[19..<27].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                try FuzzViolation.require(term < 1 << 62, "term \(term)")
            }
            return verdict
        })
        let report = FuzzRunner().run(planted, seed: 99, inputs: 5_000)
        let failure = try XCTUnwrap(report.failures.first, "the planted bug was not found in 5,000 inputs")
        let replayed = FuzzRunner.input(for: planted, seed: 99, iteration: failure.iteration)
        XCTAssertThrowsError(try planted.check(replayed))
        XCTAssertEqual(FuzzRunner.input(for: planted, seed: 99, iteration: failure.iteration), replayed)
        XCTAssertNotEqual(FuzzRunner.input(for: planted, seed: 99, iteration: failure.iteration + 1), replayed)
    }

    /// A target that keeps what it reads is stopped by the memory bound.
    func testMemoryGrowthIsCaught() throws {
        final class Hoard: @unchecked Sendable { var kept: [[UInt8]] = [] }
        let hoard = Hoard()
        let leaking = FuzzTarget(name: "leak", summary: "", seeds: [FuzzSeed(name: "x", bytes: [1, 2, 3])], check: { _ in
            hoard.kept.append([UInt8](repeating: 1, count: 256 << 10))
            return .accepted
        })
        var runner = FuzzRunner()
        runner.sampleInterval = 10
        runner.warmUpInputs = 20
        runner.residentGrowthBound = 16 << 20
        let report = runner.run(leaking, seed: 1, inputs: 1_000)
        XCTAssertNotNil(report.memoryFailure)
        XCTAssertLessThan(report.inputs, 1_000)
    }
}
