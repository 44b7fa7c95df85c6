/// Message handling: validation, term rules, votes, and the follower side of
/// replication.
extension RaftNode {
    /// Rejects messages that are not for this node or are malformed, so that
    /// nothing later can trap on them.
    func isAcceptable(_ m: Message) -> Bool {
        guard m.to == id, m.from != .none, m.from != id, m.term > 0, m.term < Self.maxValidTerm else {
            return false
        }
        switch m.type {
        case .appendEntries:
            guard m.logTerm <= m.term, m.index < UInt64.max - UInt64(m.entries.count) - 1 else { return false }
            var expected = m.index + 1
            var previousTerm = m.logTerm
            for entry in m.entries {
                guard entry.index == expected, entry.term >= previousTerm, entry.term <= m.term else { return false }
                expected += 1
                previousTerm = entry.term
            }
            return true
        case .installSnapshot:
            guard let snapshot = m.snapshot else { return false }
            return snapshot.metadata.index > 0 && snapshot.metadata.term > 0 && snapshot.metadata.term <= m.term
                && snapshot.metadata.index < UInt64.max / 2
        case .requestVote, .requestPreVote:
            return m.logTerm <= m.term
        default:
            return true
        }
    }

    mutating func stepValidated(_ m: Message) {
        if m.term > term {
            if m.type == .requestVote || m.type == .requestPreVote {
                let forced = m.context == Self.transferContext
                let inLease = config.checkQuorum && leader != .none && electionElapsed < config.electionTick
                // Lease check: we heard from a live leader recently, so this
                // candidate is partitioned or removed; refuse without raising our term.
                if !forced && inLease { return }
            }
            switch m.type {
            case .requestPreVote:
                break  // a pre-vote never changes our term
            case .preVoteResponse where !m.reject:
                break  // a granted pre-vote carries the term we would campaign in
            case .appendEntries, .heartbeat, .installSnapshot:
                becomeFollower(term: m.term, leader: m.from)
            default:
                becomeFollower(term: m.term, leader: .none)
            }
        } else if m.term < term {
            if (config.checkQuorum || config.preVote) && (m.type == .heartbeat || m.type == .appendEntries) {
                // A stale leader (e.g. after a partition): tell it our term so it
                // steps down. Without this it could never learn it, since our
                // higher-term (pre-)votes are refused by its lease-holding followers.
                send(Message(type: .appendResponse, from: id, to: m.from))
            } else if m.type == .requestPreVote {
                send(Message(type: .preVoteResponse, from: id, to: m.from, reject: true))
            }
            return
        }

        switch m.type {
        case .requestVote, .requestPreVote:
            handleVoteRequest(m)
        default:
            switch role {
            case .leader: stepLeader(m)
            case .candidate, .preCandidate: stepCandidate(m)
            case .follower, .learner: stepFollower(m)
            }
        }
    }

    mutating func handleVoteRequest(_ m: Message) {
        let isPreVote = m.type == .requestPreVote
        let responseType: MessageType = isPreVote ? .preVoteResponse : .voteResponse
        let canVote =
            vote == m.from || (vote == .none && leader == .none) || (isPreVote && m.term > term)
        // Recovering from a log loss: the log may lack entries this node helped commit, and the vote
        // it cast in this term may be forgotten. No (pre-)vote until it has caught up (see LogLoss).
        if canVote && logLoss == nil && raftLog.isUpToDate(lastIndex: m.index, term: m.logTerm) {
            // Answer in the candidate's term: for a pre-vote it is not ours.
            send(Message(type: responseType, from: id, to: m.from, term: m.term))
            if !isPreVote {
                electionElapsed = 0
                vote = m.from
            }
        } else {
            send(Message(type: responseType, from: id, to: m.from, reject: true))
        }
    }

    mutating func stepCandidate(_ m: Message) {
        switch m.type {
        case .appendEntries:
            becomeFollower(term: m.term, leader: m.from)
            handleAppendEntries(m)
        case .heartbeat:
            becomeFollower(term: m.term, leader: m.from)
            handleHeartbeat(m)
        case .installSnapshot:
            becomeFollower(term: m.term, leader: m.from)
            handleSnapshot(m)
        case .preVoteResponse where role == .preCandidate, .voteResponse where role == .candidate:
            switch recordVote(from: m.from, granted: !m.reject) {
            case .won:
                if role == .preCandidate { startCampaign(.election, transfer: false) } else { becomeLeader() }
            case .lost:
                becomeFollower(term: term, leader: .none)
            case .pending:
                break
            }
        default:
            break
        }
    }

    mutating func stepFollower(_ m: Message) {
        switch m.type {
        case .appendEntries:
            electionElapsed = 0
            leader = m.from
            handleAppendEntries(m)
        case .heartbeat:
            electionElapsed = 0
            leader = m.from
            handleHeartbeat(m)
        case .installSnapshot:
            electionElapsed = 0
            leader = m.from
            handleSnapshot(m)
        case .timeoutNow where m.from == leader:
            // Our leader hands over: campaign at once, skipping pre-vote and
            // the followers' lease check. (Only the leader of this term may.)
            hup(transfer: true)
        default:
            break
        }
    }

    mutating func handleAppendEntries(_ m: Message) {
        if m.index < raftLog.committed {
            send(Message(type: .appendResponse, from: id, to: m.from, index: raftLog.committed))
            return
        }
        if let lastNew = raftLog.maybeAppend(
            index: m.index, logTerm: m.logTerm, committed: m.commit, entries: m.entries)
        {
            // A commit-only append needs no answer: the leader knows our match.
            if !(m.entries.isEmpty && m.context == Self.commitOnlyContext) {
                send(Message(type: .appendResponse, from: id, to: m.from, index: lastNew))
            }
            maybeEndLogLoss(matched: lastNew)
            return
        }
        // Fast backtracking: point the leader at the last index whose term is
        // at most the term it probed with, so that a whole conflicting term is
        // skipped in one round.
        let hintIndex = min(m.index, raftLog.lastIndex)
        let hint = raftLog.findConflictByTerm(index: hintIndex, term: m.logTerm)
        send(
            Message(
                type: .appendResponse, from: id, to: m.from, logTerm: hint.term, index: m.index, reject: true,
                rejectHint: hint.index, logLoss: logLoss != nil))
    }

    mutating func handleHeartbeat(_ m: Message) {
        // The leader sends min(its commit, our match), so this never commits
        // an entry we do not share with it.
        if m.commit <= raftLog.lastIndex {
            raftLog.commitTo(m.commit)
        } else if logLoss != nil {
            // The leader believes we hold entries we lost: tell it, so that it sends them again.
            let last = raftLog.lastIndex
            send(
                Message(
                    type: .appendResponse, from: id, to: m.from, logTerm: raftLog.lastTerm, index: m.commit,
                    reject: true, rejectHint: last, logLoss: true))
        }
        send(Message(type: .heartbeatResponse, from: id, to: m.from, context: m.context))
        maybeEndLogLoss(matched: raftLog.committed)
    }

    /// Leaves the log-loss mode once the log is known to match the leader's up to
    /// the lost index (`matched`: the last index of an accepted append, or the
    /// commit index), in a term at least the lost one; records a vote for that
    /// leader when none is recorded in this term (see ``LogLoss``).
    mutating func maybeEndLogLoss(matched: UInt64) {
        guard let loss = logLoss, leader != .none, leader != id, term >= loss.term, matched >= loss.index
        else { return }
        if vote == .none { vote = leader }
        logLoss = nil
    }

    mutating func handleSnapshot(_ m: Message) {
        guard let snapshot = m.snapshot else { return }
        if restore(snapshot) {
            send(Message(type: .appendResponse, from: id, to: m.from, index: raftLog.lastIndex))
        } else {
            send(Message(type: .appendResponse, from: id, to: m.from, index: raftLog.committed))
        }
        maybeEndLogLoss(matched: raftLog.committed)
    }

    /// Installs a snapshot from the leader unless it is stale (not newer than
    /// our commit) or our log already holds its last entry (then only commit).
    mutating func restore(_ snapshot: Snapshot) -> Bool {
        let meta = snapshot.metadata
        if meta.index <= raftLog.committed { return false }
        // A snapshot may predate this node's own addition (taken before the
        // entry that added it): it is installed all the same, and the node
        // learns of its membership by applying the entries that follow.
        if raftLog.matchTerm(meta.index, meta.term) {
            raftLog.commitTo(meta.index)
            return false
        }
        raftLog.restore(snapshot)
        confState = meta.confState
        if role == .follower || role == .learner { role = isLearner ? .learner : .follower }
        return true
    }
}
