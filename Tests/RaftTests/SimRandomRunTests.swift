import Raft
import RaftTesting
import XCTest

/// A few dozen random mixed-fault seeds in the debug test run (the release
/// sweep, scripts/simulate.sh, runs thousands), and the replay guarantee.
final class SimRandomRunTests: XCTestCase {
    func testRandomSeedsHoldEveryInvariant() throws {
        var committed: UInt64 = 0
        var crashes = 0
        for seed: UInt64 in 1...30 {
            let (summary, _) = try RandomRun.run(RandomRun.Parameters(seed: seed, faultTicks: 200))
            committed += summary.committed
            crashes += summary.crashes
        }
        XCTAssertGreaterThan(committed, 300)
        XCTAssertGreaterThan(crashes, 20)
    }

    func testSameSeedReplaysIdenticallyWithOrWithoutTrace() throws {
        for seed: UInt64 in [7, 8] {
            let (a, _) = try RandomRun.run(RandomRun.Parameters(seed: seed, faultTicks: 150))
            let (b, sim) = try RandomRun.run(RandomRun.Parameters(seed: seed, faultTicks: 150, trace: true))
            XCTAssertEqual(a.fingerprint, b.fingerprint)
            XCTAssertEqual(a.committed, b.committed)
            XCTAssertFalse(sim.traceText.isEmpty)
            let (c, _) = try RandomRun.run(RandomRun.Parameters(seed: seed + 100, faultTicks: 150))
            XCTAssertNotEqual(a.fingerprint, c.fingerprint)
        }
    }
}
