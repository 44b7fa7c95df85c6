import Raft
import RaftTesting
import XCTest

/// The checks run inside a live simulation: break the system under test on
/// purpose (a disk that forgets, a network that corrupts) and the run must stop
/// with the matching violation.
final class SimFaultDetectionTests: XCTestCase {
    /// Storage that comes back empty after every crash: synced state is lost.
    private final class AmnesiacStorageProvider: SimStorageProvider {
        func open(node: NodeID, bootstrap: ConfState) throws -> any MutableLogStorage {
            MemoryStorage(confState: bootstrap)
        }
        func crash(node: NodeID) {}
    }

    func testDiskThatForgetsSyncedStateIsCaughtAtRestart() throws {
        let sim = try Simulation(SimulationOptions(seed: 101, voters: 3, storage: AmnesiacStorageProvider()))
        let leader = try XCTUnwrap(try sim.waitForLeader(maxTicks: 60))
        sim.propose(Array("x".utf8), at: leader)
        try sim.run(ticks: 5)
        sim.crash(leader)
        XCTAssertThrowsError(try sim.start(leader)) { error in
            let failure = error as? SimulationFailure
            XCTAssertEqual(failure?.seed, 101)
            XCTAssertTrue(failure?.reason.contains("restarted with hard state") == true, "\(error)")
        }
    }

    func testCorruptedAppendIsCaughtByLogMatching() throws {
        let sim = try Simulation(SimulationOptions(seed: 102, voters: 3))
        let leader = try XCTUnwrap(try sim.waitForLeader(maxTicks: 60))
        let victim: NodeID = leader == 3 ? 2 : 3
        sim.interceptor = { m in m.to == victim && m.type == .appendEntries && !m.entries.isEmpty ? .hold : .pass }
        sim.propose(Array("original".utf8), at: leader)
        try sim.run(ticks: 2)
        XCTAssertFalse(sim.held.isEmpty)
        sim.interceptor = nil
        // The same entries with other payloads: the victim stores an (index, term) whose contents differ.
        for var m in sim.held {
            for k in m.entries.indices { m.entries[k].data = Array("tampered".utf8) }
            sim.inject(m)
        }
        sim.held.removeAll()
        XCTAssertThrowsError(try sim.run(ticks: 5)) { error in
            let reason = (error as? SimulationFailure)?.reason ?? ""
            XCTAssertTrue(reason.contains("log matching") || reason.contains("state machine safety"), reason)
        }
    }

    func testForgedVoteGrantsAreCaughtAsTwoLeadersInOneTerm() throws {
        // A network that turns every vote refusal into a grant lets two
        // candidates of one term both win; the checker must notice.
        var caught = false
        for seed: UInt64 in 103...140 where !caught {
            let sim = try Simulation(SimulationOptions(seed: seed, voters: 5, configure: { $0.preVote = false }))
            sim.interceptor = { m in m.type == .voteResponse && m.reject ? .hold : .pass }
            do {
                for _ in 0..<20 {
                    // Competing campaigns in one term; the refusals are held back…
                    for id in sim.nodeIDs where sim.role(of: id) != .leader { sim.campaign(id) }
                    try sim.run(ticks: 1)
                    // …and arrive as grants.
                    for var m in sim.held {
                        m.reject = false
                        sim.inject(m)
                    }
                    sim.held.removeAll()
                    try sim.run(ticks: 2)
                }
            } catch {
                caught = error.reason.contains("two leaders in term")
                XCTAssertTrue(caught, error.reason)
            }
        }
        XCTAssertTrue(caught, "forged votes never produced a detected double leader")
    }
}
