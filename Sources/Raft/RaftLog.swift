/// The whole log as the core sees it: the caller's ``LogStorage`` (persisted,
/// read-only here) followed by the ``UnstableLog`` (not yet persisted), plus
/// the commit and apply positions (etcd-io/raft's `raftLog`).
struct RaftLog {
    let storage: any LogStorage
    var unstable: UnstableLog
    /// Highest index known to be committed.
    var committed: UInt64
    /// Highest index the caller reported applied (``RaftNode/advance(_:)``).
    var applied: UInt64
    /// Highest index handed out for applying (≥ applied).
    var applying: UInt64

    init(storage: any LogStorage, committed: UInt64, applied: UInt64) throws(StorageError) {
        self.storage = storage
        let first = try storage.firstIndex()
        let last = try storage.lastIndex()
        unstable = UnstableLog(offset: last + 1)
        self.committed = committed
        let start = max(applied, first - 1)
        self.applied = start
        self.applying = start
    }

    var firstIndex: UInt64 {
        if let i = unstable.maybeFirstIndex { return i }
        return (try? storage.firstIndex()) ?? unstable.offset
    }

    var lastIndex: UInt64 {
        if let i = unstable.maybeLastIndex { return i }
        return (try? storage.lastIndex()) ?? (unstable.offset - 1)
    }

    var lastTerm: UInt64 { (try? term(at: lastIndex)) ?? 0 }

    /// The term at `index`, for `firstIndex - 1 ... lastIndex`.
    func term(at index: UInt64) throws(StorageError) -> UInt64 {
        let dummy = firstIndex - 1
        if index < dummy { throw .compacted }
        if index > lastIndex { throw .unavailable }
        if let t = unstable.maybeTerm(at: index) { return t }
        return try storage.term(at: index)
    }

    /// The term at `index`, or 0 when it is unknown (compacted or beyond the end).
    func termOrZero(_ index: UInt64) -> UInt64 {
        (try? term(at: index)) ?? 0
    }

    func matchTerm(_ index: UInt64, _ term: UInt64) -> Bool {
        guard let t = try? self.term(at: index) else { return false }
        return t == term
    }

    /// Raft §5.4.1: a candidate's log is at least as up to date as ours.
    func isUpToDate(lastIndex candidateIndex: UInt64, term candidateTerm: UInt64) -> Bool {
        let ourTerm = lastTerm
        return candidateTerm > ourTerm || (candidateTerm == ourTerm && candidateIndex >= lastIndex)
    }

    /// Entries in `[lo, hi)`, at most `maxBytes` (at least one entry when non-empty).
    func entries(from lo: UInt64, to hi: UInt64, maxBytes: UInt64) throws(StorageError) -> [Entry] {
        if lo >= hi { return [] }
        if lo < firstIndex { throw .compacted }
        if hi > lastIndex + 1 { throw .unavailable }
        var out: [Entry] = []
        var size: UInt64 = 0
        let unstableStart = unstable.offset
        if lo < unstableStart {
            let stored = try storage.entries(from: lo, to: min(hi, unstableStart), maxBytes: maxBytes)
            for e in stored { size += e.accountedSize }
            out = stored
            // Storage returned fewer entries than asked: the byte limit was hit.
            if UInt64(stored.count) < min(hi, unstableStart) - lo { return out }
            if stored.isEmpty { return out }
        }
        if hi > unstableStart {
            for e in unstable.slice(max(lo, unstableStart), hi) {
                size += e.accountedSize
                if !out.isEmpty && size > maxBytes { break }
                out.append(e)
            }
        }
        return out
    }

    /// Entries from `lo` to the end, at most `maxBytes`.
    func entries(from lo: UInt64, maxBytes: UInt64) throws(StorageError) -> [Entry] {
        try entries(from: lo, to: lastIndex + 1, maxBytes: maxBytes)
    }

    /// Index of the first entry in `entries` whose term disagrees with ours
    /// (or that we do not have); 0 when all agree.
    func findConflict(_ entries: [Entry]) -> UInt64 {
        for e in entries where !matchTerm(e.index, e.term) {
            return e.index
        }
        return 0
    }

    /// The largest index ≤ `index` whose term is ≤ `term`, with that term
    /// (for fast backtracking; etcd-io/raft's `findConflictByTerm`).
    func findConflictByTerm(index: UInt64, term: UInt64) -> (index: UInt64, term: UInt64) {
        var i = index
        while true {
            guard let t = try? self.term(at: i) else { return (i, 0) }
            if t <= term || i == 0 { return (i, t) }
            i -= 1
        }
    }

    /// Appends entries from the leader after `(index, logTerm)` if our log
    /// matches there; returns the last new index, or nil on mismatch or when
    /// the entries would overwrite committed ones (an invalid message).
    mutating func maybeAppend(index: UInt64, logTerm: UInt64, committed leaderCommit: UInt64, entries: [Entry])
        -> UInt64?
    {
        guard matchTerm(index, logTerm) else { return nil }
        let lastNew = index + UInt64(entries.count)
        let conflict = findConflict(entries)
        if conflict != 0 {
            if conflict <= committed { return nil }
            let start = Int(conflict - index - 1)
            append(entries[start...])
        }
        commitTo(min(leaderCommit, lastNew))
        return lastNew
    }

    /// Appends contiguous entries, truncating a conflicting suffix.
    mutating func append(_ entries: ArraySlice<Entry>) {
        guard let first = entries.first, first.index > committed, first.index <= lastIndex + 1 else { return }
        unstable.truncateAndAppend(entries)
    }

    /// Raises the commit index (never beyond our last index).
    mutating func commitTo(_ index: UInt64) {
        if index > committed && index <= lastIndex { committed = index }
    }

    /// Raises commit to `index` if it is in the current term (Raft §5.4.2).
    mutating func maybeCommit(index: UInt64, term: UInt64) -> Bool {
        if index > committed && termOrZero(index) == term {
            committed = index
            return true
        }
        return false
    }

    /// Replaces the log with a snapshot received from the leader.
    mutating func restore(_ snapshot: Snapshot) {
        committed = snapshot.metadata.index
        unstable.restore(snapshot)
    }

    /// There are committed entries not yet handed out, and no snapshot to apply first.
    var hasNextCommittedEntries: Bool {
        unstable.snapshot == nil && applying < min(committed, lastIndex)
    }

    /// Committed entries not yet handed out, at most `maxBytes`.
    /// - Throws: the storage's error when the entries cannot be read (a damaged log).
    func nextCommittedEntries(maxBytes: UInt64) throws(StorageError) -> [Entry] {
        guard hasNextCommittedEntries else { return [] }
        let lo = max(applying + 1, firstIndex)
        let hi = min(committed, lastIndex) + 1
        return try entries(from: lo, to: hi, maxBytes: maxBytes)
    }
}
