import Foundation
import Raft
import RaftTesting
import XCTest

/// Shared set-up and waits for the scenario tests. A failing simulation
/// throws a ``SimulationFailure`` naming its seed; set RAFTCAST_SIM_TRACE=1 to
/// get the trace of the (identical) re-run in the failure message.
enum Scenario {
    static var tracing: Bool { ProcessInfo.processInfo.environment["RAFTCAST_SIM_TRACE"] == "1" }

    static func cluster(
        seed: UInt64, voters: Int = 3, capacity: Int? = nil, conditions: SimNetwork.Conditions = .reliable,
        snapshotInterval: UInt64 = 0, snapshotTail: UInt64 = 0, configure: @escaping (inout Config) -> Void = { _ in }
    ) throws -> Simulation {
        try Simulation(SimulationOptions(
            seed: seed, voters: voters, capacity: capacity, conditions: conditions,
            snapshotInterval: snapshotInterval, snapshotTail: snapshotTail, configure: configure,
            trace: tracing, traceLimit: 300))
    }
}

extension Simulation {
    /// Waits for a leader and returns it, failing the test if none comes.
    func electedLeader(within ticks: Int = 60, file: StaticString = #filePath, line: UInt = #line) throws -> NodeID {
        let l = try waitForLeader(maxTicks: ticks)
        return try XCTUnwrap(l, "no leader within \(ticks) ticks (seed \(options.seed))", file: file, line: line)
    }

    /// The leaders among running nodes, with their terms.
    var leaders: [(id: NodeID, term: UInt64)] {
        upNodes.compactMap { id in role(of: id) == .leader ? (id, term(of: id)!) : nil }
    }

    /// Proposes `text` at the current leader (waiting for one) and waits until
    /// every node in `nodes` (default: all running nodes) has applied it.
    @discardableResult
    func commit(
        _ text: String, on nodes: [NodeID]? = nil, within ticks: Int = 60,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProposalTicket {
        var ticket: ProposalTicket?
        try run(maxTicks: ticks) { sim in
            if let l = sim.leader, let t = sim.propose(Array(text.utf8), at: l).ticket {
                ticket = t
                return true
            }
            return false
        }
        let t = try XCTUnwrap(ticket, "no leader accepted '\(text)' within \(ticks) ticks (seed \(options.seed))", file: file, line: line)
        let targets = nodes ?? upNodes
        let applied = try run(maxTicks: ticks) { $0.isApplied(t, by: targets) }
        XCTAssertTrue(applied, "'\(text)' at \(t.index) not applied by \(targets) within \(ticks) ticks (seed \(options.seed))", file: file, line: line)
        return t
    }

    /// Ids of the running nodes other than `excluded`.
    func others(than excluded: NodeID...) -> [NodeID] {
        nodeIDs.filter { !excluded.contains($0) }
    }
}
