/// Roles, timeouts and elections (Raft §5.2, thesis §9.6 pre-vote, §6.2 check-quorum).
extension RaftNode {
    enum CampaignKind {
        case preVote
        case election
    }

    /// Follower, learner and candidate tick: campaign once the randomized
    /// election timeout passes without hearing from a leader. A learner never
    /// campaigns; after the same timeout it forgets its leader instead, so that
    /// it says it has none while no quorum elects one (it would otherwise name
    /// a dead leader for ever; a follower forgets it when it campaigns).
    mutating func tickElection() {
        electionElapsed += 1
        guard electionElapsed >= randomizedElectionTimeout else { return }
        if isPromotable {
            electionElapsed = 0
            hup(transfer: false)
        } else if role == .learner {
            leader = .none
        }
    }

    /// Leader tick: heartbeats, and once per election timeout the quorum check
    /// and the leadership-transfer deadline.
    mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= config.electionTick {
            electionElapsed = 0
            if config.checkQuorum {
                if !isQuorumActive() {
                    becomeFollower(term: term, leader: .none)
                    return
                }
                for peer in progress.keys where peer != id { progress[peer]!.recentActive = false }
            }
            if leadTransferee != .none { leadTransferee = .none }
        }
        // The learners' batches of entries (see Config.learnerBatchBytes), which also tell them the commit index.
        let flushed = flushLearnerBatches()
        if heartbeatElapsed >= config.heartbeatTick {
            heartbeatElapsed = 0
            broadcastHeartbeat(skipping: flushed)
        }
    }

    /// A quorum of voters (this node included) was heard from in this period.
    func isQuorumActive() -> Bool {
        var active = 0
        for voter in confState.voters where voter == id || progress[voter]?.recentActive == true {
            active += 1
        }
        return active >= quorum
    }

    /// Starts a campaign if this node may: a voter, not leader, with no
    /// committed membership change left unapplied (it could change who votes).
    mutating func hup(transfer: Bool) {
        // A node recovering from a log loss may lack committed entries: it must not lead.
        guard role != .leader, isPromotable, logLoss == nil, !hasUnappliedConfChanges() else { return }
        if config.preVote && !transfer {
            startCampaign(.preVote, transfer: false)
        } else {
            startCampaign(.election, transfer: transfer)
        }
    }

    func hasUnappliedConfChanges() -> Bool {
        var lo = raftLog.applied + 1
        let hi = raftLog.committed + 1
        while lo < hi {
            guard let page = try? raftLog.entries(from: lo, to: hi, maxBytes: config.maxCommittedSizePerReady),
                let last = page.last
            else { return false }
            if page.contains(where: { $0.kind == .confChange }) { return true }
            lo = last.index + 1
        }
        return false
    }

    mutating func startCampaign(_ kind: CampaignKind, transfer: Bool) {
        let requestType: MessageType
        let requestTerm: UInt64
        switch kind {
        case .preVote:
            becomePreCandidate()
            requestType = .requestPreVote
            requestTerm = term + 1  // the term it would campaign in; its own term stays
        case .election:
            becomeCandidate()
            requestType = .requestVote
            requestTerm = term
        }
        if recordVote(from: id, granted: true) == .won {
            // A single-voter cluster wins at once.
            if kind == .preVote { startCampaign(.election, transfer: transfer) } else { becomeLeader() }
            return
        }
        let lastIndex = raftLog.lastIndex
        let lastTerm = raftLog.lastTerm
        for voter in confState.voters where voter != id {
            send(
                Message(
                    type: requestType, from: id, to: voter, term: requestTerm, logTerm: lastTerm,
                    index: lastIndex, context: transfer ? Self.transferContext : 0))
        }
    }

    enum VoteResult {
        case pending
        case won
        case lost
    }

    /// Records a (pre-)vote answer from a voter and tallies the election.
    mutating func recordVote(from voter: NodeID, granted: Bool) -> VoteResult {
        if confState.voters.contains(voter) && votes[voter] == nil { votes[voter] = granted }
        var yes = 0
        var no = 0
        for voter in confState.voters {
            switch votes[voter] {
            case true?: yes += 1
            case false?: no += 1
            case nil: break
            }
        }
        if yes >= quorum { return .won }
        if confState.voters.count - no < quorum { return .lost }
        return .pending
    }

    /// Clears per-term state when the term or role changes.
    mutating func reset(term newTerm: UInt64) {
        if term != newTerm {
            term = newTerm
            vote = .none
        }
        leader = .none
        electionElapsed = 0
        heartbeatElapsed = 0
        randomizedElectionTimeout =
            config.electionTick + Int(random.next() % UInt64(config.electionTick))
        leadTransferee = .none
        votes = [:]
        progress = [:]
        pendingConfIndex = 0
        uncommittedSize = 0
    }

    mutating func becomeFollower(term newTerm: UInt64, leader newLeader: NodeID) {
        reset(term: newTerm)
        leader = newLeader
        role = isLearner ? .learner : .follower
    }

    mutating func becomePreCandidate() {
        // The term and vote stay: a pre-vote round changes nothing durable.
        votes = [:]
        leader = .none
        role = .preCandidate
    }

    mutating func becomeCandidate() {
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    mutating func becomeLeader() {
        reset(term: term)
        leader = id
        role = .leader
        let lastIndex = raftLog.lastIndex
        // Entries below the unstable offset are persisted; only they count for
        // this node until `advance` confirms more.
        let persisted = raftLog.unstable.snapshot == nil ? raftLog.unstable.offset - 1 : 0
        for member in confState.members {
            var pr = Progress(
                next: lastIndex + 1, maxInflightMessages: config.maxInflightMessages,
                maxInflightBytes: config.inflightBytes(learner: confState.learners.contains(member)),
                isLearner: confState.learners.contains(member))
            if member == id {
                pr.match = min(persisted, lastIndex)
                pr.becomeReplicate()
                pr.next = lastIndex + 1
                pr.recentActive = true
            }
            progress[member] = pr
        }
        var bootstrap: [Entry] = []
        if lastIndex == 0 && raftLog.firstIndex == 1 {
            // The first leader of a new cluster writes the initial membership
            // into the log (as etcd-io/raft's bootstrap does), so that a node
            // that joins later with an empty membership learns it by applying
            // the log from index 1. Applying them is a no-op everywhere else.
            let changes =
                confState.voters.map { ConfChange(.addVoter, node: $0) }
                + confState.learners.map { ConfChange(.addLearner, node: $0) }
            for (offset, change) in changes.enumerated() {
                bootstrap.append(
                    Entry(term: term, index: UInt64(offset) + 1, kind: .confChange, data: change.encoded))
            }
        }
        let empty = Entry(term: term, index: lastIndex + UInt64(bootstrap.count) + 1)
        // No membership change until the empty entry is applied: the new leader
        // commits an entry of its own term first (the fix to single-server
        // changes in Ongaro's raft-dev post of 2015), and any change it
        // inherited is applied by then.
        pendingConfIndex = empty.index
        raftLog.append((bootstrap + [empty])[...])
        uncommittedSize = (bootstrap + [empty]).reduce(0) { $0 + $1.accountedSize }
        broadcastAppend()
    }
}
