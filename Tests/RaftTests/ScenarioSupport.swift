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

/// Ends a scenario whose step failed (the failure is already recorded).
struct ScenarioStopped: Error {
    var reason: String
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
    /// every node in `nodes` (default: all running nodes) has applied it; like
    /// a client, proposes again (at whoever leads then) when it is not
    /// committed within `retryTicks`, as the first leader may have been cut off.
    @discardableResult
    func commit(
        _ text: String, on nodes: [NodeID]? = nil, within ticks: Int = 60, retryTicks: Int = 25,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProposalTicket {
        let deadline = tick + UInt64(ticks)
        let targets = nodes ?? upNodes
        var lastTicket: ProposalTicket?
        while tick < deadline {
            var ticket: ProposalTicket?
            try run(maxTicks: Int(deadline - tick)) { sim in
                if let l = sim.leader, let t = sim.propose(Array(text.utf8), at: l).ticket {
                    ticket = t
                    return true
                }
                return false
            }
            guard let t = ticket else { break }
            lastTicket = t
            let wait = min(retryTicks, Int(deadline - tick))
            if try run(maxTicks: wait, until: { $0.isApplied(t, by: targets) }) { return t }
        }
        XCTFail(
            "'\(text)' not applied by \(targets) within \(ticks) ticks (last proposed at \(lastTicket.map { "\($0.index) on node \($0.node)" } ?? "no leader")) (seed \(options.seed))\(traceForFailure)",
            file: file, line: line)
        throw ScenarioStopped(reason: "'\(text)' was never applied")
    }

    /// The trace, when RAFTCAST_SIM_TRACE=1, to append to a failure message.
    var traceForFailure: String { Scenario.tracing ? "\ntrace:\n" + traceText : "" }

    /// Ids of the running nodes other than `excluded`.
    func others(than excluded: NodeID...) -> [NodeID] {
        nodeIDs.filter { !excluded.contains($0) }
    }
}
