/// What a leader tracks about one member (etcd-io/raft's `tracker.Progress`).
struct Progress {
    var match: UInt64 = 0
    var next: UInt64
    var state: ProgressState = .probe
    /// In the snapshot state: index of the snapshot being sent.
    var pendingSnapshot: UInt64 = 0
    /// Heard from since the last check-quorum period started.
    var recentActive = false
    /// In the probe state: a probe was sent, wait for an answer or a heartbeat answer.
    var probeSent = false
    var inflights: Inflights
    var isLearner: Bool
    /// The highest commit index told to the member (in an append or heartbeat).
    var commitSent: UInt64 = 0
    /// Bytes (``Entry/accountedSize``) of the leader's entries from `next` to the end of its log — appended
    /// but not yet sent to the member — when known: nil from a reset of `next` until an append reaches the
    /// end of the log. A learner's appends are batched only while it is known (see
    /// ``Config/learnerBatchBytes``).
    var unsentBytes: UInt64?

    init(next: UInt64, maxInflightMessages: Int, maxInflightBytes: UInt64, isLearner: Bool) {
        self.next = next
        self.inflights = Inflights(maxMessages: maxInflightMessages, maxBytes: maxInflightBytes)
        self.isLearner = isLearner
    }

    /// No append may be sent now.
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    mutating func becomeProbe() {
        if state == .snapshot {
            let pending = pendingSnapshot
            resetState(.probe)
            next = max(match + 1, pending + 1)
        } else {
            resetState(.probe)
            next = match + 1
        }
    }

    mutating func becomeReplicate() {
        resetState(.replicate)
        next = match + 1
    }

    mutating func becomeSnapshot(index: UInt64) {
        resetState(.snapshot)
        pendingSnapshot = index
    }

    private mutating func resetState(_ newState: ProgressState) {
        probeSent = false
        unsentBytes = nil
        pendingSnapshot = 0
        state = newState
        inflights.reset()
    }

    /// The member acknowledged entries up to `index`; returns true if match rose.
    mutating func maybeUpdate(_ index: UInt64) -> Bool {
        var updated = false
        if index > match {
            match = index
            updated = true
            probeSent = false
        }
        if index + 1 > next {
            next = index + 1
            unsentBytes = nil
        }
        return updated
    }

    /// The leader appended the entry at `index`, of `bytes`, to its log (at or beyond `next`).
    mutating func appended(bytes: UInt64, index: UInt64) {
        if next == index {
            unsentBytes = bytes  // everything before it was sent
        } else if let unsent = unsentBytes {
            unsentBytes = unsent + bytes
        }
    }

    /// An append ending before `lastIndex`+1 with `count` entries and `bytes` was sent; the leader's log
    /// ends at `logLastIndex`.
    mutating func sentEntries(count: Int, bytes: UInt64, lastIndex: UInt64, logLastIndex: UInt64) {
        switch state {
        case .replicate:
            if count > 0 {
                next = lastIndex + 1
                inflights.add(index: lastIndex, bytes: bytes)
                if lastIndex >= logLastIndex {
                    unsentBytes = 0
                } else if let unsent = unsentBytes {
                    unsentBytes = unsent - min(unsent, bytes)
                }
            }
        case .probe:
            probeSent = true
        case .snapshot:
            break
        }
    }

    /// The member rejected an append at `rejected`, hinting that its log may
    /// match up to `matchHint`. Returns false for a stale rejection.
    mutating func maybeDecrTo(rejected: UInt64, matchHint: UInt64) -> Bool {
        if state == .replicate {
            if rejected <= match { return false }
            next = match + 1
            unsentBytes = nil
            return true
        }
        if next == 0 || next - 1 != rejected { return false }
        next = max(min(rejected, matchHint + 1), match + 1)
        unsentBytes = nil
        probeSent = false
        return true
    }

    /// The member lost entries it had acknowledged and holds at most
    /// `index` matching ones: lower the match to it and probe from there.
    mutating func forgetMatch(above index: UInt64) {
        match = min(match, index)
        commitSent = min(commitSent, match)
        resetState(.probe)
        next = match + 1
    }

    var publicView: PeerProgress {
        PeerProgress(
            match: match, next: next, state: state, recentActive: recentActive, isLearner: isLearner,
            inflightMessages: inflights.count, inflightBytes: inflights.bytes)
    }
}
