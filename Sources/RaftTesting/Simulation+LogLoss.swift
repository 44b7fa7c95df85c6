import Raft

extension Simulation {
    /// Node `id`, which must be down, loses every stored entry after `index`,
    /// as `raftcast wal repair` cutting a damaged tail would do (on the durable
    /// log it is that repair); hard states written after them go too, so the
    /// node may forget entries it acknowledged and the vote it cast.
    ///
    /// With `consent` (the operator's `--accept-log-loss`) its next start gives
    /// its core the loss (``Raft/Config/logLoss``): no vote, no campaign until
    /// it has caught up. Without, the stored commit is cut to the log and the
    /// node starts as if nothing was lost, as before nodes could tell: for tests
    /// that show what consent protects against.
    public func loseLogTail(_ id: NodeID, keepingUpTo index: UInt64, consent: Bool = true) throws(SimulationFailure) {
        let i = slot(id)
        guard !nodes[i].isUp else {
            fail("node \(id) must be down to lose its log tail")
            try check()
            return
        }
        do {
            guard let loss = try options.storage.loseTail(node: id, keepingUpTo: index) else { return }
            nodes[i].lostTail = true
            if consent {
                nodes[i].logLoss = nodes[i].logLoss.map { $0.merged(with: loss) } ?? loss
            } else {
                let storage = try options.storage.open(node: id, bootstrap: nodes[i].bootstrap)
                let (hardState, _) = try storage.initialState()
                try storage.setHardState(HardState(term: hardState.term, vote: hardState.vote,
                                                   commit: min(hardState.commit, try storage.lastIndex())))
                try storage.sync()
                options.storage.crash(node: id)
                nodes[i].logLoss = nil
            }
            trace.fold(11, id, index)
            trace.log(now, "node \(id): log cut after index \(index), lost \(loss)\(consent ? "; restarts with consent" : "; restarts without consent")")
        } catch {
            fail("node \(id) storage failed to cut its log: \(error)")
        }
        try check()
    }
}
