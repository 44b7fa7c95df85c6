import Raft

/// What clients and operators do to the cluster: propose, change membership,
/// move leadership; and the liveness check once faults stop.
extension Simulation {
    /// Asks node `id` to propose `data`.
    @discardableResult
    public func propose(_ data: [UInt8], at id: NodeID) -> ProposalOutcome {
        let i = slot(id)
        guard nodes[i].isUp else { return .nodeDown }
        let index: UInt64
        do {
            index = try nodes[i].raft!.propose(data)
        } catch {
            trace.log(now, "node \(id): proposal rejected: \(error)")
            return .rejected(error)
        }
        let digest = SimAppState.entryDigest(Entry(term: 0, index: index, kind: .normal, data: data))
        nodes[i].proposals[index] = digest
        trace.fold(11, id, index, digest)
        trace.log(now, "node \(id): proposed \(data.count) bytes at \(index)")
        drain(i)
        return .accepted(ProposalTicket(node: id, index: index, digest: digest))
    }

    /// Proposes at the current leader (``leader``); `.nodeDown` when there is none.
    @discardableResult
    public func proposeAtLeader(_ data: [UInt8]) -> ProposalOutcome {
        guard let l = leader else { return .nodeDown }
        return propose(data, at: l)
    }

    /// Asks node `id` to propose a membership change.
    @discardableResult
    public func proposeConfChange(_ change: ConfChange, at id: NodeID) -> ProposalOutcome {
        let i = slot(id)
        guard nodes[i].isUp else { return .nodeDown }
        let index: UInt64
        do {
            index = try nodes[i].raft!.proposeConfChange(change)
        } catch {
            trace.log(now, "node \(id): conf change \(change.operation) \(change.node) rejected: \(error)")
            return .rejected(error)
        }
        let digest = SimAppState.entryDigest(Entry(term: 0, index: index, kind: .confChange, data: change.encoded))
        nodes[i].proposals[index] = digest
        trace.fold(12, id, index, digest)
        trace.log(now, "node \(id): proposed conf change \(change.operation) \(change.node) at \(index)")
        drain(i)
        return .accepted(ProposalTicket(node: id, index: index, digest: digest))
    }

    /// Asks node `id` (a leader) to hand leadership to `target`.
    public func transferLeadership(at id: NodeID, to target: NodeID) {
        let i = slot(id)
        guard nodes[i].isUp else { return }
        trace.fold(13, id, target)
        trace.log(now, "node \(id): transfer leadership to \(target)")
        nodes[i].raft!.transferLeadership(to: target)
        drain(i)
    }

    /// Makes node `id` campaign now.
    public func campaign(_ id: NodeID) {
        let i = slot(id)
        guard nodes[i].isUp else { return }
        trace.fold(14, id)
        trace.log(now, "node \(id): campaign")
        nodes[i].raft!.campaign()
        drain(i)
    }

    /// Tells node `id` that its disk stalls.
    public func reportStorageStalled(_ id: NodeID) {
        let i = slot(id)
        guard nodes[i].isUp else { return }
        trace.log(now, "node \(id): storage stalled")
        nodes[i].raft!.reportStorageStalled()
        drain(i)
    }

    /// Whether the entry of `ticket` is committed (with the proposed contents).
    public func isCommitted(_ ticket: ProposalTicket) -> Bool {
        invariants.committedDigest(at: ticket.index) == ticket.digest
    }

    /// Whether every node in `ids` applied the entry of `ticket` (it must be committed).
    public func isApplied(_ ticket: ProposalTicket, by ids: [NodeID]) -> Bool {
        isCommitted(ticket) && ids.allSatisfy { appliedIndex(of: $0) >= ticket.index }
    }

    /// The membership by the state machine that applied the most.
    public var currentConfState: ConfState {
        var best = nodes[0]
        for n in nodes where n.app.appliedIndex > best.app.appliedIndex { best = n }
        return best.app.confState
    }

    /// Members (voters and learners) by the state machine that applied the most.
    public var members: [NodeID] { currentConfState.members.sorted() }

    /// Whether the cluster has converged: a leader whose whole log is
    /// committed, every running member has applied all of it, and every
    /// acknowledged proposal is below it.
    public var isConverged: Bool {
        guard let l = leader, let s = status(of: l) else { return false }
        guard s.commit == s.lastIndex else { return false }
        let maxAck = acknowledged.map(\.index).max() ?? 0
        guard s.commit >= maxAck else { return false }
        for id in members {
            guard isUp(id), appliedIndex(of: id) == s.commit else { return false }
        }
        return true
    }

    /// The liveness property: with every link open and every member running,
    /// the cluster converges within `maxTicks`; otherwise the run fails.
    public func checkConvergence(maxTicks: Int) throws(SimulationFailure) {
        if try run(maxTicks: maxTicks, until: { $0.isConverged }) { return }
        var states: [String] = []
        for n in nodes {
            if let r = n.raft {
                let s = r.status
                states.append("node \(n.id): \(s.role) term \(s.term) leader \(s.leader) commit \(s.commit) last \(s.lastIndex) applied \(n.app.appliedIndex)")
            } else {
                states.append("node \(n.id): down")
            }
        }
        fail("liveness: no convergence within \(maxTicks) ticks after healing (members \(members)): " + states.joined(separator: "; "))
        try check()
    }
}
