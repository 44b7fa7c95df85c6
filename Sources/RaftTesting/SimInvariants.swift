import Raft

/// The safety properties of Raft, checked incrementally while a simulation
/// runs. Each `record…`/`check…` call returns a description of the first
/// violation it finds, or nil.
///
/// It keeps one canonical committed log (term, entry digest, rolling digest of
/// the prefix, and the term in which each index was first seen committed),
/// built from the commit indices nodes persist. Against it:
/// - State machine safety: every node's committed and applied entries match it
///   (so all apply sequences are prefixes of one sequence), and snapshot
///   digests match the digest of the prefix they claim to cover.
/// - Leader completeness: a node that becomes leader of term T holds every
///   entry committed in a term before T.
/// - Member tables: every node that applied (or restored) the same index holds
///   the same member table (``SimMemberTable/digest``).
/// Besides: at most one leader per term; log matching, checked as "an
/// (index, term) pair names one entry content with one predecessor term",
/// which by induction makes logs that share an (index, term) identical up to
/// there.
public struct SimInvariants: Sendable {
    private struct IndexTerm: Hashable, Sendable {
        var index: UInt64
        var term: UInt64
    }
    private struct LoggedEntry: Sendable {
        var digest: UInt64
        var previousTerm: UInt64?
        var node: NodeID
    }
    private struct Committed: Sendable {
        var term: UInt64
        var digest: UInt64
        var rolling: UInt64
        var commitTerm: UInt64
    }

    private var leaderOfTerm: [UInt64: NodeID] = [:]
    private var logged: [IndexTerm: LoggedEntry] = [:]
    private var committed: [Committed] = []
    /// Member table digest (and the node that first reported it) at each applied index.
    private var memberTables: [UInt64: (digest: UInt64, node: NodeID)] = [:]

    /// A checker that has seen nothing.
    public init() {}

    /// Highest index known committed.
    public var committedIndex: UInt64 { UInt64(committed.count) }

    /// Leader of `term`, if one was seen.
    public func leader(ofTerm term: UInt64) -> NodeID? { leaderOfTerm[term] }

    /// Number of terms that had a leader.
    public var termsWithLeader: Int { leaderOfTerm.count }

    /// Entry digest of the committed entry at `index`.
    public func committedDigest(at index: UInt64) -> UInt64? {
        guard index >= 1, index <= committedIndex else { return nil }
        return committed[Int(index - 1)].digest
    }

    /// Term of the committed entry at `index`.
    public func committedTerm(at index: UInt64) -> UInt64? {
        guard index >= 1, index <= committedIndex else { return nil }
        return committed[Int(index - 1)].term
    }

    /// `node` is leader in `term`.
    public mutating func recordLeader(_ node: NodeID, term: UInt64) -> String? {
        if let other = leaderOfTerm[term] {
            if other != node { return "two leaders in term \(term): \(other) and \(node)" }
            return nil
        }
        leaderOfTerm[term] = node
        return nil
    }

    /// `node` persisted `entries` (consecutive); `previousTerm` is the term of
    /// the entry before the first one, when the node's log still has it.
    public mutating func recordPersisted(_ node: NodeID, entries: [Entry], previousTerm: UInt64?) -> String? {
        var prev = previousTerm
        var expectedIndex: UInt64? = nil
        for e in entries {
            if let x = expectedIndex, e.index != x {
                return "node \(node) was asked to persist non-consecutive entries (\(x - 1) then \(e.index))"
            }
            if e.term == 0 { return "node \(node) persisted entry \(e.index) with term 0" }
            if let p = prev, p > e.term {
                return "node \(node) log has term \(p) at \(e.index - 1) before term \(e.term) at \(e.index)"
            }
            let key = IndexTerm(index: e.index, term: e.term)
            let digest = SimAppState.entryDigest(e)
            if let seen = logged[key] {
                if seen.digest != digest {
                    return "log matching: entry \(e.index) of term \(e.term) differs between node \(seen.node) and node \(node)"
                }
                if let a = seen.previousTerm, let b = prev, a != b {
                    return "log matching: entry \(e.index) of term \(e.term) follows term \(a) on node \(seen.node) but term \(b) on node \(node)"
                }
                if seen.previousTerm == nil && prev != nil {
                    logged[key] = LoggedEntry(digest: digest, previousTerm: prev, node: node)
                }
            } else {
                logged[key] = LoggedEntry(digest: digest, previousTerm: prev, node: node)
            }
            prev = e.term
            expectedIndex = e.index + 1
        }
        return nil
    }

    /// `node` persisted commit index `newCommit` (previously `oldCommit`) while
    /// in `term`; its log must hold `oldCommit + 1 ... newCommit` unless they
    /// are covered by its snapshot.
    public mutating func recordCommit(
        _ node: NodeID, from oldCommit: UInt64, to newCommit: UInt64, term: UInt64, storage: any LogStorage
    ) -> String? {
        guard newCommit > oldCommit else { return nil }
        let first: UInt64
        let last: UInt64
        do {
            first = try storage.firstIndex()
            last = try storage.lastIndex()
        } catch {
            return "node \(node) storage failed: \(error)"
        }
        if newCommit > last {
            return "node \(node) persisted commit \(newCommit) beyond its last index \(last)"
        }
        let lo = max(oldCommit + 1, first)
        guard lo <= newCommit else { return nil }
        let entries: [Entry]
        do {
            entries = try storage.entries(from: lo, to: newCommit + 1, maxBytes: .max)
        } catch {
            return "node \(node) cannot read committed entries \(lo)...\(newCommit): \(error)"
        }
        if entries.count != Int(newCommit - lo + 1) {
            return "node \(node) returned \(entries.count) entries for \(lo)...\(newCommit)"
        }
        if lo > committedIndex + 1 {
            return "node \(node) committed \(lo)...\(newCommit) but index \(committedIndex + 1) was never seen committed"
        }
        for e in entries {
            let d = SimAppState.entryDigest(e)
            if e.index <= committedIndex {
                let c = committed[Int(e.index - 1)]
                if c.term != e.term || c.digest != d {
                    return "state machine safety: node \(node) committed entry \(e.index) of term \(e.term) but term \(c.term)'s entry was committed there before"
                }
            } else {
                let prevRolling = committed.last?.rolling ?? 0
                let rolling = SimAppState.rolling(prevRolling, index: e.index, term: e.term, entryDigest: d)
                committed.append(Committed(term: e.term, digest: d, rolling: rolling, commitTerm: term))
            }
        }
        return nil
    }

    /// `node` applied `entry` (digest `digest`).
    public func checkApplied(_ node: NodeID, entry: Entry, digest: UInt64) -> String? {
        guard entry.index >= 1, entry.index <= committedIndex else {
            return "node \(node) applied entry \(entry.index) which no node has persisted as committed (committed: \(committedIndex))"
        }
        let c = committed[Int(entry.index - 1)]
        if c.term != entry.term || c.digest != digest {
            return "state machine safety: node \(node) applied entry \(entry.index) of term \(entry.term); the committed entry there is of term \(c.term)"
        }
        return nil
    }

    /// `node` holds member table `table` after applying (or restoring) `1 ... index`.
    public mutating func checkMembers(_ node: NodeID, index: UInt64, table: SimMemberTable) -> String? {
        guard index >= 1 else { return nil }
        guard let seen = memberTables[index] else {
            memberTables[index] = (table.digest, node)
            return nil
        }
        guard seen.digest == table.digest else {
            return "member tables: node \(node) at index \(index) holds \(table.members) but node \(seen.node) held another table there"
        }
        return nil
    }

    /// `node` restored a state machine snapshot covering `1 ... index` with `digest`.
    public func checkSnapshot(_ node: NodeID, index: UInt64, digest: UInt64) -> String? {
        guard index <= committedIndex else {
            return "node \(node) holds a snapshot at \(index) beyond the committed index \(committedIndex)"
        }
        guard index >= 1 else { return nil }
        if committed[Int(index - 1)].rolling != digest {
            return "node \(node) holds a snapshot at \(index) whose digest differs from the committed prefix"
        }
        return nil
    }

    /// `node` just became leader of `term`: its log must hold every entry
    /// committed in an earlier term.
    public func checkLeaderCompleteness(_ node: NodeID, term: UInt64, storage: any LogStorage) -> String? {
        guard committedIndex > 0 else { return nil }
        let first: UInt64
        let last: UInt64
        do {
            first = try storage.firstIndex()
            last = try storage.lastIndex()
        } catch {
            return "node \(node) storage failed: \(error)"
        }
        var index = committedIndex
        while index >= 1 && committed[Int(index - 1)].commitTerm >= term { index -= 1 }
        guard index >= 1 else { return nil }
        if last < index {
            return "leader completeness: node \(node) became leader of term \(term) with last index \(last) but \(index) was committed in term \(committed[Int(index - 1)].commitTerm)"
        }
        var i = max(first, 1)
        while i <= index {
            let t: UInt64
            do { t = try storage.term(at: i) } catch { return "node \(node) storage failed at \(i): \(error)" }
            if t != committed[Int(i - 1)].term {
                return "leader completeness: node \(node), leader of term \(term), has term \(t) at \(i) where term \(committed[Int(i - 1)].term) was committed"
            }
            i += 1
        }
        return nil
    }
}
