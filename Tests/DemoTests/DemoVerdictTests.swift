import Broadcast
import Demo
import XCTest

final class DemoVerdictTests: XCTestCase {
    private let stream = "00000000000000ab"

    /// A 10-fragment broadcast, n1 killed after committing 4 (it played 0–2), n2 and n3 as given.
    private func outcome(n2: [PlayLogRecord], n3: [PlayLogRecord], newLeader: Duration? = .milliseconds(312), ingest: Int32? = 0,
                         ingestMessage: String? = nil) -> DemoOutcome {
        DemoOutcome(
            nodes: ["n1", "n2", "n3"], killedLeader: "n1", timeToNewLeader: newLeader, stream: stream, expectedFragments: 10,
            committedAtKill: 4, ingestStatus: ingest, ingestMessage: ingestMessage,
            playLogs: [
                "n1": DemoFixtures.records("n1", fragments: [0, 1, 2], offsetNanoseconds: 40_000),
                "n2": n2, "n3": n3,
            ],
            captures: [
                "n1": .init(path: "/w/n1.wav", bytes: nil), "n2": .init(path: "/w/n2.wav", bytes: 44 + 192_000 * 20),
                "n3": .init(path: "/w/n3.wav", bytes: 44 + 192_000 * 20),
            ])
    }

    func testASeamlessTakeoverPassesWithSkewAndFilesReported() {
        let all = Array(0..<10)
        // Records of another stream are not this demo's.
        let other = DemoFixtures.records("n2", fragments: [0, 0], stream: 0xcd)
        let verdict = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all) + other,
            n3: DemoFixtures.records("n3", fragments: all, offsetNanoseconds: 30_000)))
        XCTAssertTrue(verdict.passed, verdict.lines.joined(separator: "\n"))
        XCTAssertEqual(verdict.lines[0], "verdict: PASS")
        XCTAssertEqual(verdict.lines[1], "    new leader     312 ms after n1 was killed")
        XCTAssertEqual(verdict.lines[2], "    ingest         every fragment committed (exit 0)")
        XCTAssertEqual(
            verdict.lines[3],
            "    n2             10 of 10 fragments, none doubled, gap at the takeover (#2→#3) 0.00 ms, largest gap 0.00 ms (#0→#1)")
        XCTAssertEqual(verdict.lines[5], "    n1 (killed)    3 fragments played before it was killed")
        // With the nodes' drift-correction counts: informational, it does not fail the verdict.
        var counted = outcome(n2: DemoFixtures.records("n2", fragments: all), n3: DemoFixtures.records("n3", fragments: all))
        counted.driftCorrections = ["n2": 0, "n3": 7]
        let withCounts = DemoVerdict(counted)
        XCTAssertTrue(withCounts.passed)
        XCTAssertTrue(withCounts.lines[3].hasSuffix(", bit-exact (no drift correction)"), withCounts.lines[3])
        XCTAssertTrue(withCounts.lines[4].hasSuffix(", 7 single frames corrected for drift"), withCounts.lines[4])
        // Fragments 0–2 were played by three nodes (spread 40 µs), 3–9 by two (30 µs).
        XCTAssertEqual(verdict.skew?.count, 10)
        XCTAssertEqual(verdict.skew?.p50, .microseconds(30))
        XCTAssertEqual(verdict.skew?.max, .microseconds(40))
        XCTAssertEqual(verdict.lines[6], "    skew           p50 0.03 ms, p99 0.04 ms, max 0.04 ms over 10 fragments")
        XCTAssertEqual(Array(verdict.lines[7...]), [
            "    wav n1         /w/n1.wav (missing)", "    wav n2         /w/n2.wav (20.0 s)", "    wav n3         /w/n3.wav (20.0 s)",
        ])
        XCTAssertEqual(verdict.playback.map(\.fragmentsPlayed), [10, 10])
    }

    func testAGapAtTheTakeoverFailsAndIsMeasured() {
        let all = Array(0..<10)
        // n3 heard fragment 4 40 ms late (a stall while no leader committed), and every later one too.
        let verdict = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all),
            n3: DemoFixtures.records("n3", fragments: all, extraDelayNanoseconds: [4: 40_000_000])))
        XCTAssertFalse(verdict.passed)
        XCTAssertEqual(verdict.lines[0], "verdict: FAIL")
        let n3 = verdict.playback[1]
        XCTAssertEqual(n3.takeoverGap?.gap, .milliseconds(40))
        XCTAssertEqual(n3.takeoverGap?.afterFragment, 3)
        XCTAssertEqual(n3.largestGap?.gap, .milliseconds(40))
        XCTAssertEqual(verdict.lines[4], "  ✗ n3             10 of 10 fragments, none doubled, gap at the takeover (#3→#4) 40.00 ms, largest gap 40.00 ms (#3→#4)")
        XCTAssertTrue(verdict.checks[2].passed, "n2 is fine")
        // Under the tolerance it passes.
        XCTAssertTrue(DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all),
            n3: DemoFixtures.records("n3", fragments: all, extraDelayNanoseconds: [4: 1_000_000]))).passed)
    }

    func testMissingDoubledAndOverlappingFragmentsFail() {
        let all = Array(0..<10)
        let missing = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all.filter { $0 != 4 }), n3: DemoFixtures.records("n3", fragments: all)))
        XCTAssertFalse(missing.passed)
        XCTAssertEqual(missing.playback[0].missing, [4])
        XCTAssertTrue(missing.lines[3].hasPrefix("  ✗ n2             9 of 10 fragments, missing #4, none doubled"), missing.lines[3])

        let doubled = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all) + DemoFixtures.records("n2", fragments: [5]),
            n3: DemoFixtures.records("n3", fragments: all)))
        XCTAssertFalse(doubled.passed)
        XCTAssertEqual(doubled.playback[0].doubled, [5])

        // Fragment 6 started 30 ms before 5 ended: 30 ms heard twice.
        let overlap = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all, extraDelayNanoseconds: [6: -30_000_000]),
            n3: DemoFixtures.records("n3", fragments: all)))
        XCTAssertFalse(overlap.passed)
        XCTAssertEqual(overlap.playback[0].largestOverlap?.gap, .milliseconds(-30))
        XCTAssertTrue(overlap.lines[3].hasSuffix("overlap -30.00 ms (#5→#6)"), overlap.lines[3])

        let silent = DemoVerdict(outcome(n2: [], n3: DemoFixtures.records("n3", fragments: all)))
        XCTAssertFalse(silent.passed, "a survivor that played nothing fails")
        XCTAssertEqual(silent.lines[3], "  ✗ n2             played nothing (no play-log record of the stream)")
    }

    func testNoNewLeaderOrAFailedIngestFails() {
        let all = Array(0..<10)
        let noLeader = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all), n3: DemoFixtures.records("n3", fragments: all), newLeader: nil))
        XCTAssertFalse(noLeader.passed)
        XCTAssertEqual(noLeader.lines[1], "  ✗ new leader     none elected after n1 was killed")
        let ingest = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all), n3: DemoFixtures.records("n3", fragments: all), ingest: 1,
            ingestMessage: "error: cluster.yaml: no quorum"))
        XCTAssertEqual(ingest.lines[2], "  ✗ ingest         raftcast ingest exited 1: error: cluster.yaml: no quorum")
        let never = DemoVerdict(outcome(
            n2: DemoFixtures.records("n2", fragments: all), n3: DemoFixtures.records("n3", fragments: all), ingest: nil))
        XCTAssertEqual(never.lines[2], "  ✗ ingest         raftcast ingest did not finish")
    }
}

extension DemoVerdictTests {
    func testANodeThatJoinedTheStreamLateFails() {
        let all = Array(0..<10)
        // n3's first record starts 0.5 s (24 000 samples) into fragment 0: it joined mid-stream.
        var late = DemoFixtures.records("n3", fragments: all)
        late[0].firstPlayedSample = 24_000
        late[0].heardAtNanoseconds += 500_000_000
        let verdict = DemoVerdict(outcome(n2: DemoFixtures.records("n2", fragments: all), n3: late))
        XCTAssertFalse(verdict.passed)
        XCTAssertEqual(verdict.playback[1].missedAtStart, .milliseconds(500))
        XCTAssertTrue(verdict.lines[4].hasPrefix("  ✗ n3             10 of 10 fragments, none doubled"), verdict.lines[4])
        XCTAssertTrue(verdict.lines[4].hasSuffix(", joined 500.00 ms late"), verdict.lines[4])
        XCTAssertEqual(verdict.playback[1].largestGap?.gap, .zero, "the gaps alone do not show it")
    }
}
