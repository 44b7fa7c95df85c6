/// Single-server membership changes, applied when the caller applies the
/// committed entry (etcd-io/raft's design; see docs/raft.md).
extension RaftNode {
    /// True while a membership change is proposed and not yet applied (or a new leader's first entry is
    /// not yet applied): ``proposeConfChange(_:)`` would throw ``ProposalError/confChangePending``.
    public var hasPendingConfChange: Bool { pendingConfIndex > raftLog.applied }

    /// Why `change` cannot be proposed against the membership in force, or nil.
    func confChangeProblem(_ change: ConfChange) -> String? {
        let node = change.node
        if node == .none { return "node id 0 is reserved for \"no node\"" }
        if change.context.count > ConfChange.maxContextBytes {
            return "the context is \(change.context.count) bytes, over \(ConfChange.maxContextBytes)"
        }
        let isVoter = confState.voters.contains(node)
        let isLearner = confState.learners.contains(node)
        switch change.operation {
        case .addVoter:
            if isVoter { return "node \(node) is already a voter" }
        case .addLearner:
            if isLearner { return "node \(node) is already a learner" }
            if node == id { return "the leader cannot demote itself; transfer leadership first" }
        case .remove:
            if !isVoter && !isLearner { return "node \(node) is not a member" }
            if isVoter && confState.voters.count == 1 { return "cannot remove the last voter \(node)" }
        }
        return nil
    }

    /// Brings the leader's progress tracking in line with a new membership.
    mutating func membershipChanged() {
        if role == .follower || role == .learner { role = isLearner ? .learner : .follower }
        guard role == .leader else { return }
        let members = Set(confState.members)
        for peer in progress.keys.sorted() where !members.contains(peer) && peer != id {
            // A learner's entries held back (see Config.learnerBatchBytes) go first: they hold its removal.
            if defersAppend(to: peer) { sendDueAppends(to: peer, batching: false) }
            // Removed: one last empty append carrying the commit index, after the entries in flight to it (the
            // same lane, in order), so that it learns — and applies — its own removal and stops. Only when
            // replicating: otherwise its log position is unknown (it learns it is out another way).
            if let pr = progress[peer], pr.state == .replicate, let prevTerm = try? raftLog.term(at: pr.next - 1) {
                send(Message(type: .appendEntries, from: id, to: peer, logTerm: prevTerm, index: pr.next - 1, commit: raftLog.committed))
            }
            progress[peer] = nil
        }
        if !members.contains(id) { progress[id] = nil }
        let lastIndex = raftLog.lastIndex
        var promoted: [NodeID] = []
        for member in confState.members {
            let learner = confState.learners.contains(member)
            if progress[member] == nil {
                var pr = Progress(
                    next: lastIndex + 1, maxInflightMessages: config.maxInflightMessages,
                    maxInflightBytes: config.inflightBytes(learner: learner), isLearner: learner)
                // A new member counts as active, or check-quorum could depose
                // the leader before the member has had a chance to answer.
                pr.recentActive = true
                progress[member] = pr
            } else {
                if progress[member]!.isLearner && !learner { promoted.append(member) }
                progress[member]!.isLearner = learner
                progress[member]!.inflights.maxBytes = config.inflightBytes(learner: learner)
            }
        }
        if !confState.voters.contains(id) {
            // Removed (or demoted): step down; the remaining voters elect a leader.
            becomeFollower(term: term, leader: .none)
            return
        }
        if leadTransferee != .none && !confState.voters.contains(leadTransferee) { leadTransferee = .none }
        // A promoted learner may have entries held back for it (see Config.learnerBatchBytes): a voter gets them now.
        for member in promoted where member != id { sendDueAppends(to: member) }
        if maybeCommit() {
            sendCommitToIdleFollowers()
        } else {
            for peer in progress.keys.sorted() where peer != id { _ = maybeSendAppend(to: peer, sendIfEmpty: false) }
        }
    }
}
