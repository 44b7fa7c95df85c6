/// The leader side of log replication (Raft §5.3) with etcd-io/raft's flow
/// control: probe / replicate / snapshot states, inflight limits in messages
/// and bytes, and a cap on uncommitted bytes.
extension RaftNode {
    /// Queues a message, stamping the current term unless one is set.
    mutating func send(_ message: Message) {
        var m = message
        if m.term == 0 { m.term = term }
        outbox.append(m)
    }

    func checkCanPropose() throws(ProposalError) {
        guard role == .leader else { throw .notLeader(leader: leader == .none ? nil : leader) }
        // A leader removed by a membership change it applied no longer leads.
        guard progress[id] != nil else { throw .notLeader(leader: nil) }
        guard leadTransferee == .none else { throw .leadershipTransferInProgress }
    }

    mutating func appendProposal(_ entry: Entry) throws(ProposalError) {
        let size = entry.accountedSize
        let limit = config.maxUncommittedEntriesSize
        // An entry larger than the limit is still accepted when nothing is
        // uncommitted, or it could never be proposed.
        if limit > 0 && uncommittedSize > 0 && uncommittedSize + size > limit {
            throw .uncommittedSizeExceeded
        }
        uncommittedSize += size
        raftLog.append([entry][...])
        // Sorted: the order of messages in a Ready is deterministic.
        for peer in progress.keys.sorted() where peer != id {
            progress[peer]!.appended(bytes: size, index: entry.index)
            _ = maybeSendAppend(to: peer, sendIfEmpty: false)
        }
    }

    /// The leader holds back new entries for `peer` until its next tick (``flushLearnerBatches()``): a
    /// learner in step with the log (replicating, with the bytes not yet sent to it known) that has fewer
    /// than ``Config/learnerBatchBytes`` bytes not yet sent. See ``Config/learnerBatchBytes``.
    func defersAppend(to peer: NodeID) -> Bool {
        guard config.learnerBatchBytes > 0, let pr = progress[peer], pr.isLearner, pr.state == .replicate,
            let unsent = pr.unsentBytes
        else { return false }
        return unsent < config.learnerBatchBytes
    }

    /// Tick: sends every learner whose entries were held back (``defersAppend(to:)``) the committed ones it
    /// lacks, as far as its in-flight limits allow. Committed only: the learner then applies the whole batch
    /// at once and needs no commit-only append after it (entries not committed yet go with the next tick).
    /// - Returns: the learners that were sent an append (they need no heartbeat in this tick).
    mutating func flushLearnerBatches() -> Set<NodeID> {
        guard config.learnerBatchBytes > 0 else { return [] }
        var flushed: Set<NodeID> = []
        for peer in progress.keys.sorted() where peer != id {
            guard defersAppend(to: peer), let unsent = progress[peer]!.unsentBytes, unsent > 0 else { continue }
            if sendDueAppends(to: peer, batching: false, through: raftLog.committed) > 0 { flushed.insert(peer) }
        }
        return flushed
    }

    /// Sends `peer` the appends due (``maybeSendAppend(to:sendIfEmpty:batching:through:)``, nothing empty)
    /// until none is or its in-flight limits stop it, at most ``Config/maxInflightMessages``.
    /// - Returns: how many were sent.
    @discardableResult
    mutating func sendDueAppends(to peer: NodeID, batching: Bool = true, through: UInt64 = .max) -> Int {
        var rounds = 0
        while rounds < config.maxInflightMessages
            && maybeSendAppend(to: peer, sendIfEmpty: false, batching: batching, through: through)
        {
            rounds += 1
        }
        return rounds
    }

    /// Sends an append (or a snapshot) to `peer` if its progress allows.
    mutating func sendAppend(to peer: NodeID) {
        _ = maybeSendAppend(to: peer, sendIfEmpty: true)
    }

    /// Sends the next batch of entries to `peer`, at most ``Config/maxSizePerMessage``
    /// bytes, unless its progress is paused. Falls back to the storage's
    /// snapshot when the entries it needs were compacted away. With `batching`, nothing is sent to a learner
    /// whose entries are held back until the next tick (``defersAppend(to:)``). Entries after `through`
    /// (default: the end of the log) are not sent.
    /// - Returns: whether a message was sent.
    mutating func maybeSendAppend(
        to peer: NodeID, sendIfEmpty: Bool, batching: Bool = true, through: UInt64 = .max
    ) -> Bool {
        guard peer != id, let pr = progress[peer], !pr.isPaused else { return false }
        if batching && defersAppend(to: peer) { return false }
        let prevIndex = pr.next - 1
        guard let prevTerm = try? raftLog.term(at: prevIndex) else { return maybeSendSnapshot(to: peer) }
        var entries: [Entry] = []
        if pr.next <= raftLog.lastIndex {
            do {
                entries = try raftLog.entries(
                    from: pr.next, to: min(through, raftLog.lastIndex) + 1, maxBytes: config.maxSizePerMessage)
            } catch {
                // Compacted meanwhile: a snapshot instead. A damaged log stops the node.
                noteReadFailure(error)
                if failedRead != nil { return false }
                return maybeSendSnapshot(to: peer)
            }
        }
        if entries.isEmpty && !sendIfEmpty { return false }
        var bytes: UInt64 = 0
        for entry in entries { bytes += entry.accountedSize }
        let lastIndex = entries.last?.index ?? prevIndex
        send(
            Message(
                type: .appendEntries, from: id, to: peer, logTerm: prevTerm, index: prevIndex, entries: entries,
                commit: raftLog.committed))
        progress[peer]!.sentEntries(
            count: entries.count, bytes: bytes, lastIndex: lastIndex, logLastIndex: raftLog.lastIndex)
        progress[peer]!.commitSent = max(progress[peer]!.commitSent, raftLog.committed)
        return true
    }

    /// Tells every idle follower (see ``sendCommitIfIdle(to:)``) a new commit index.
    mutating func sendCommitToIdleFollowers() {
        for peer in progress.keys.sorted() where peer != id { sendCommitIfIdle(to: peer) }
    }

    /// Sends the commit index to `peer` if it has not been told it and has no
    /// append in flight that would carry it; followers behind or in flight
    /// learn it from their next append's answer round or the next heartbeat.
    /// This replaces etcd-io/raft's append broadcast on every commit advance,
    /// which costs two messages per follower per acknowledgement. A learner
    /// whose entries are held back (``defersAppend(to:)``) is told only when
    /// it holds committed entries it does not know are committed, not on every
    /// commit: its next batch carries the commit index.
    mutating func sendCommitIfIdle(to peer: NodeID) {
        guard let pr = progress[peer], pr.state == .replicate, pr.inflights.count == 0,
            pr.commitSent < raftLog.committed, pr.next == pr.match + 1,
            let prevTerm = try? raftLog.term(at: pr.match)
        else { return }
        if defersAppend(to: peer) && pr.commitSent >= min(raftLog.committed, pr.match) { return }
        send(
            Message(
                type: .appendEntries, from: id, to: peer, logTerm: prevTerm, index: pr.match,
                commit: raftLog.committed, context: Self.commitOnlyContext))
        progress[peer]!.commitSent = raftLog.committed
    }

    mutating func maybeSendSnapshot(to peer: NodeID) -> Bool {
        // A snapshot is expensive: send it only to a member known to be alive.
        guard progress[peer]?.recentActive == true else { return false }
        guard let snapshot = try? raftLog.storage.snapshot(), !snapshot.isEmpty else { return false }
        progress[peer]!.becomeSnapshot(index: snapshot.metadata.index)
        send(Message(type: .installSnapshot, from: id, to: peer, snapshot: snapshot))
        return true
    }

    mutating func broadcastAppend() {
        for peer in progress.keys.sorted() where peer != id { sendAppend(to: peer) }
    }

    /// Sends a heartbeat to every follower but those in `skipping` (sent an append in this tick).
    mutating func broadcastHeartbeat(skipping: Set<NodeID> = []) {
        for peer in progress.keys.sorted() where peer != id && !skipping.contains(peer) {
            // Never more than the follower is known to hold: it may lack
            // (or hold conflicting) entries beyond its match.
            let commit = min(progress[peer]!.match, raftLog.committed)
            send(Message(type: .heartbeat, from: id, to: peer, commit: commit))
            progress[peer]!.commitSent = max(progress[peer]!.commitSent, commit)
        }
    }

    mutating func sendTimeoutNow(to peer: NodeID) {
        send(Message(type: .timeoutNow, from: id, to: peer))
    }

    /// Raises the commit index to the highest index a quorum of voters holds,
    /// if that entry is of the current term (Raft §5.4.2: older entries commit
    /// only indirectly). The leader's own match counts only persisted entries.
    mutating func maybeCommit() -> Bool {
        let voters = confState.voters
        guard !voters.isEmpty else { return false }
        let matches = voters.map { progress[$0]?.match ?? 0 }.sorted(by: >)
        return raftLog.maybeCommit(index: matches[quorum - 1], term: term)
    }

    mutating func stepLeader(_ m: Message) {
        guard progress[m.from] != nil else { return }
        switch m.type {
        case .appendResponse:
            handleAppendResponse(m)
        case .heartbeatResponse:
            progress[m.from]!.recentActive = true
            progress[m.from]!.probeSent = false
            // An append or its answer may have been lost: let one more go out.
            if progress[m.from]!.state == .replicate && progress[m.from]!.inflights.isFull {
                progress[m.from]!.inflights.freeFirstOne()
            }
            if progress[m.from]!.match < raftLog.lastIndex {
                if !defersAppend(to: m.from) {
                    sendAppend(to: m.from)
                } else if progress[m.from]!.match + 1 < progress[m.from]!.next {
                    // A batched learner: an append it was sent and has not answered by the time the answer to
                    // a later heartbeat comes (the same link, in order) was lost. Send from where it stopped:
                    // the committed entries after it, or an empty append that it rejects, which moves the
                    // leader back to its match (entries not committed yet wait for the tick, as before).
                    _ = maybeSendAppend(to: m.from, sendIfEmpty: true, batching: false, through: raftLog.committed)
                }
            }
        default:
            break
        }
    }

    mutating func handleAppendResponse(_ m: Message) {
        let peer = m.from
        progress[peer]!.recentActive = true
        if m.reject && m.logLoss {
            // The follower lost entries it had acknowledged (see LogLoss): a rejection below its
            // recorded match is not stale here. Forget the match above the hint and probe from there.
            var hint = min(m.rejectHint, raftLog.lastIndex)
            if m.logTerm > 0 { hint = raftLog.findConflictByTerm(index: hint, term: m.logTerm).index }
            if progress[peer]!.match > hint {
                progress[peer]!.forgetMatch(above: hint)
                sendAppend(to: peer)
                return
            }
        }
        if m.reject {
            // Fast backtracking: jump to the follower's hint, and past a whole
            // term of ours that it lacks when it told us its term there.
            var nextProbe = min(m.rejectHint, raftLog.lastIndex)
            if m.logTerm > 0 {
                nextProbe = raftLog.findConflictByTerm(index: nextProbe, term: m.logTerm).index
            }
            if progress[peer]!.maybeDecrTo(rejected: m.index, matchHint: nextProbe) {
                if progress[peer]!.state == .replicate { progress[peer]!.becomeProbe() }
                sendAppend(to: peer)
            }
            return
        }
        guard m.index <= raftLog.lastIndex else { return }
        let wasPaused = progress[peer]!.isPaused
        let updated = progress[peer]!.maybeUpdate(m.index)
        // A probe answered at the known match also proves where the logs agree.
        let probeConfirmed = progress[peer]!.state == .probe && progress[peer]!.match == m.index
        guard updated || probeConfirmed else { return }
        switch progress[peer]!.state {
        case .probe:
            progress[peer]!.becomeReplicate()
        case .snapshot:
            if progress[peer]!.match + 1 >= raftLog.firstIndex {
                progress[peer]!.becomeProbe()
                progress[peer]!.becomeReplicate()
            }
        case .replicate:
            progress[peer]!.inflights.freeLE(m.index)
        }
        let committed = maybeCommit()
        if wasPaused && !committed { sendAppend(to: peer) }
        // Pipelining: keep sending while the inflight limits allow.
        var rounds = 0
        while rounds < config.maxInflightMessages && maybeSendAppend(to: peer, sendIfEmpty: false) {
            rounds += 1
        }
        // After the entries, which carry the commit index themselves.
        if committed { sendCommitToIdleFollowers() } else { sendCommitIfIdle(to: peer) }
        if peer == leadTransferee && progress[peer]!.match == raftLog.lastIndex {
            sendTimeoutNow(to: peer)
        }
    }
}
