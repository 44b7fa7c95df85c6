import Raft

/// The Raft paper's Figure 8 situation, made likely: leaders crash (or are cut
/// off) right after accepting proposals, over and over, so that entries of old
/// terms sit replicated on some nodes when new leaders come and go. A leader
/// must never count replicas of an old term's entry to commit it; the
/// invariant checker catches any committed entry that is later lost or
/// replaced. Modelled on the MIT 6.824 tests "Figure8" and "Figure8Unreliable".
public enum Figure8 {
    /// Runs `rounds` rounds with five nodes and checks convergence at the end.
    /// Reliable: the leader crashes after each round of proposals and a node
    /// restarts whenever fewer than three run. Unreliable: lossy, reordering
    /// network, and leaders are cut off instead of crashed.
    public static func run(seed: UInt64, rounds: Int, unreliable: Bool, trace: Bool = false) throws(SimulationFailure) -> Simulation {
        let sim = try Simulation(SimulationOptions(
            seed: seed, voters: 5, conditions: unreliable ? .unreliable : .reliable,
            snapshotInterval: 40, snapshotTail: 5, trace: trace))
        var plan = SimRandom(seed: StableHash.mix(seed, 0xF18))
        var sequence = 0
        for round in 0..<rounds {
            var leader: NodeID? = nil
            for id in sim.nodeIDs where sim.isUp(id) {
                sequence += 1
                if case .accepted = sim.propose(Array("f8-\(sequence)".utf8), at: id) { leader = id }
            }
            if plan.chance(0.1) {
                try sim.run(ticks: plan.int(in: 1...12))
            } else {
                try sim.run(ticks: plan.int(in: 0...1))
            }
            if unreliable {
                if let l = leader, plan.chance(0.5) {
                    sim.note("round \(round): cut off leader \(l)")
                    sim.network.isolate(l)
                }
                let connected = sim.nodeIDs.filter { id in
                    sim.nodeIDs.contains { $0 != id && sim.network.isOpen(from: id, to: $0) }
                }
                if connected.count < 3 {
                    let outside = sim.nodeIDs.filter { !connected.contains($0) }
                    if !outside.isEmpty {
                        let back = plan.pick(outside)
                        sim.note("round \(round): reconnect \(back)")
                        for other in sim.nodeIDs where other != back && connected.contains(other) {
                            sim.network.setBidirectional(back, other, open: true)
                        }
                    }
                }
            } else {
                if let l = leader {
                    sim.note("round \(round): crash leader \(l)")
                    sim.crash(l)
                }
                if sim.upNodes.count < 3 {
                    let down = sim.nodeIDs.filter { !sim.isUp($0) }
                    try sim.start(plan.pick(down))
                }
            }
        }
        sim.network.healLinks()
        sim.network.conditions = .reliable
        for id in sim.nodeIDs where !sim.isUp(id) { try sim.start(id) }
        // One more proposal must commit everywhere, carrying all before it.
        try sim.run(maxTicks: 200) { s in
            if let l = s.leader, case .accepted = s.propose(Array("f8-final".utf8), at: l) { return true }
            return false
        }
        try sim.checkConvergence(maxTicks: 400)
        return sim
    }
}
