import Raft
import RaftTesting
import XCTest

/// The simulated member table: how committed changes and their contexts change it, its encoding, and a
/// simulation in which it survives snapshots and a hostile context is ignored on every node alike.
final class SimMemberTableTests: XCTestCase {
    private func record(_ node: NodeID, _ address: String, voter: Bool = false) -> [UInt8] {
        SimMember(node: node, address: address, isVoter: voter).encoded
    }

    func testChangesAndContextsUpdateTheTable() {
        var table = SimMemberTable(founders: ConfState(voters: [1, 2], learners: [3]))
        XCTAssertEqual(table.members.map(\.address), ["sim-1-0:7000", "sim-2-0:7000", "sim-3-0:7000"])
        XCTAssertNil(table.apply(ConfChange(.addLearner, node: 4, context: record(4, "a:1", voter: true))))
        XCTAssertEqual(table.member(4), SimMember(node: 4, address: "a:1", isVoter: false), "the operation gives the role")
        XCTAssertNil(table.apply(ConfChange(.addVoter, node: 4)), "no context: only the role changes")
        XCTAssertEqual(table.member(4), SimMember(node: 4, address: "a:1", isVoter: true))
        let before = table
        XCTAssertEqual(
            table.apply(ConfChange(.addVoter, node: 3, context: [9, 9, 9])), "context of 3 bytes is not a member record; ignored")
        XCTAssertEqual(
            table.apply(ConfChange(.addVoter, node: 3, context: record(5, "b:2"))), "context names node 5, the change node 3; ignored")
        XCTAssertEqual(table, before)
        XCTAssertNil(table.apply(ConfChange(.remove, node: 1)))
        XCTAssertEqual(table.members.map(\.node), [2, 3, 4])
        XCTAssertNotEqual(table.digest, before.digest)
    }

    func testEncodingRoundTripsAndRejectsHostileBytes() {
        var table = SimMemberTable(founders: ConfState(voters: [1, 2, 3]))
        table.apply(ConfChange(.addLearner, node: 9, context: record(9, "sim-9-4:7000")))
        XCTAssertEqual(SimMemberTable(encoded: table.encoded), table)
        XCTAssertEqual(SimMemberTable(encoded: SimMemberTable().encoded), SimMemberTable())
        XCTAssertNil(SimMemberTable(encoded: table.encoded + [0]))
        XCTAssertNil(SimMemberTable(encoded: table.encoded.dropLast()))
        var rng = SplitMix64(seed: 3)
        for _ in 0..<5_000 {
            var bytes = table.encoded
            bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            if let decoded = SimMemberTable(encoded: bytes) { XCTAssertEqual(SimMemberTable(encoded: decoded.encoded), decoded) }
            XCTAssertNil(SimMember(encoded: Array(bytes.prefix(Int(rng.next() % 12)))))
        }
    }

    func testTablesAgreeAcrossNodesThroughSnapshotsAndAHostileContext() throws {
        let sim = try Simulation(SimulationOptions(seed: 17, voters: 3, capacity: 4, snapshotInterval: 5, snapshotTail: 1))
        var leader = try XCTUnwrap(try sim.waitForLeader(maxTicks: 60))
        for k in 0..<12 { _ = sim.propose(Array("x\(k)".utf8), at: leader) }
        try sim.run(ticks: 10)
        // Node 4 joins as a learner with an address; the log is compacted, so it starts from a snapshot.
        XCTAssertNotNil(sim.proposeConfChange(ConfChange(.addLearner, node: 4, context: record(4, "sim-4-1:7000")), at: leader).ticket)
        try sim.start(4)
        try sim.run(maxTicks: 100) { $0.isConverged }
        for id in sim.nodeIDs {
            XCTAssertEqual(sim.appState(of: id).members.member(4), SimMember(node: 4, address: "sim-4-1:7000", isVoter: false), "node \(id)")
        }
        XCTAssertGreaterThan(sim.snapshotsInstalled, 0)
        // A promotion whose context is garbage: Raft promotes, every table keeps the old record but the
        // role is not updated from a context nobody can read.
        leader = try XCTUnwrap(sim.leader)
        XCTAssertNotNil(sim.proposeConfChange(ConfChange(.addVoter, node: 4, context: [0xFF, 0, 1]), at: leader).ticket)
        try sim.run(maxTicks: 100) { $0.isConverged && $0.currentConfState.voters.contains(4) }
        let tables = Set(sim.nodeIDs.map { sim.appState(of: $0).members })
        XCTAssertEqual(tables.count, 1)
        XCTAssertEqual(tables.first?.member(4)?.isVoter, false)
        // A restart from the snapshot and the log keeps the table.
        sim.crash(2)
        try sim.start(2)
        try sim.run(maxTicks: 100) { $0.isConverged }
        XCTAssertEqual(sim.appState(of: 2).members, tables.first)
    }
}
