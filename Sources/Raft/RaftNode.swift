/// The Raft consensus core: a pure value-type state machine modelled on
/// etcd-io/raft. No I/O, no clock, no threads.
///
/// The caller drives it:
/// - ``tick()`` at a fixed interval (the only notion of time);
/// - ``step(_:)`` for every message from the network;
/// - ``propose(_:)`` / ``proposeConfChange(_:)`` on the leader;
/// - when ``hasReady`` is true, ``ready()`` hands out the work (entries and hard
///   state to persist, messages to send, committed entries to apply), and
///   ``advance(_:)`` confirms it was done. See ``Ready`` and docs/raft.md.
///
/// The node reads persisted entries through `storage` (which the caller writes
/// to while handling a ``Ready``); entries not yet persisted live inside the
/// core. Payloads (`[UInt8]`) are shared, never copied.
///
/// Deliberately not `Sendable`: it holds the caller's storage object. Keep a
/// node inside one isolation domain (the actor or task that runs its Ready loop).
public struct RaftNode {
    let config: Config
    var raftLog: RaftLog
    var random: SplitMix64

    /// The current term.
    public internal(set) var term: UInt64 = 0
    /// The vote cast in the current term, or ``NodeID/none``.
    var vote: NodeID = .none
    /// The role in the current term.
    public internal(set) var role: Role = .follower
    /// The leader of the current term when known, else ``NodeID/none``.
    public internal(set) var leader: NodeID = .none
    /// The membership in force (changes take effect when the caller applies them).
    var confState: ConfState

    /// Leader only: replication progress of every member, this node included.
    var progress: [NodeID: Progress] = [:]
    /// (Pre-)candidate only: the answers received, true for granted.
    var votes: [NodeID: Bool] = [:]

    /// Ticks since the last election timeout reset (follower/candidate), or
    /// since the last check-quorum period (leader).
    var electionElapsed = 0
    /// Leader only: ticks since the last heartbeat.
    var heartbeatElapsed = 0
    /// The election timeout in force, in `[electionTick, 2 * electionTick)`.
    var randomizedElectionTimeout = 0

    /// Leader only: the target of a leadership transfer, or ``NodeID/none``.
    var leadTransferee: NodeID = .none
    /// Leader only: index of the last membership change proposed (or the last
    /// index at election); a new change waits until it is applied.
    var pendingConfIndex: UInt64 = 0
    /// Leader only: bytes of entries proposed in this term and not yet committed.
    var uncommittedSize: UInt64 = 0

    /// Set while recovering from a log loss (``Config/logLoss``): no votes, no campaigns.
    var logLoss: LogLoss?
    /// The first failure of a storage read (a damaged or unreadable log), not
    /// a logical answer such as ``StorageError/compacted``. Once set the node
    /// is stopped: see ``storageFailure``.
    var failedRead: StorageError?

    /// Messages to hand out in the next ``Ready``.
    var outbox: [Message] = []
    /// What the last ``Ready`` reported, to report only changes.
    var reportedSoftState: SoftState
    var reportedHardState: HardState

    /// Context value of vote requests sent for a leadership transfer: they
    /// bypass the lease check of followers.
    static let transferContext: UInt64 = 1
    /// Context value of an append that only carries a new commit index to a
    /// follower known to hold everything before it: a success is not answered.
    static let commitOnlyContext: UInt64 = 2
    /// Messages with terms above this are invalid (keeps `term + 1` from overflowing).
    static let maxValidTerm: UInt64 = 1 << 62

    /// Creates a node, restoring its hard state and membership from `storage`.
    ///
    /// A new cluster starts from a storage whose ``LogStorage/initialState()``
    /// returns the initial voters (e.g. `MemoryStorage(confState:)`).
    /// - Throws: ``ConfigError`` when the config is invalid, the storage cannot
    ///   be read, or the stored state contradicts the config (e.g. `applied`
    ///   beyond the stored commit index).
    public init(config: Config, storage: any LogStorage) throws {
        try config.validate()
        var (hardState, storedConf, log) = try Self.load(storage: storage, applied: config.applied)
        let loadedHardState = hardState
        raftLog = log
        let first = raftLog.firstIndex
        let last = raftLog.lastIndex
        if let loss = config.logLoss {
            // The log lost entries that the stored commit may still count: commit what is left, and
            // take the term the node had seen (it may have voted in it; no vote is granted until the
            // node has caught up, see LogLoss).
            hardState.commit = min(hardState.commit, last)
            raftLog.committed = hardState.commit
            if loss.term > hardState.term { hardState = HardState(term: loss.term, vote: .none, commit: hardState.commit) }
        }
        if hardState.commit > last || hardState.commit + 1 < first {
            throw ConfigError.invalid(
                setting: "storage",
                reason: "hard state commit \(hardState.commit) outside the stored log [\(first - 1), \(last)]")
        }
        if config.applied > hardState.commit {
            throw ConfigError.invalid(
                setting: "applied", reason: "\(config.applied) is beyond the stored commit index \(hardState.commit)")
        }
        if hardState.term >= Self.maxValidTerm {
            throw ConfigError.invalid(setting: "storage", reason: "stored term \(hardState.term) is out of range")
        }
        self.config = config
        self.random = SplitMix64(seed: config.randomSeed)
        self.confState = storedConf
        self.reportedSoftState = SoftState(leader: .none, role: .follower)
        // A hard state adjusted for a log loss differs from the stored one: the first Ready persists it.
        self.reportedHardState = loadedHardState
        self.term = hardState.term
        self.vote = hardState.vote
        self.logLoss = config.logLoss
        becomeFollower(term: hardState.term, leader: .none)
        reportedSoftState = softState
    }

    /// Reads the stored state, reporting storage failures as ``ConfigError/storage(_:)``.
    private static func load(storage: any LogStorage, applied: UInt64) throws(ConfigError)
        -> (HardState, ConfState, RaftLog)
    {
        let result: Result<(HardState, ConfState, RaftLog), StorageError> = Result { () throws(StorageError) in
            var (hardState, confState) = try storage.initialState()
            // Everything up to the compaction point (a snapshot) is committed by definition. A crash after
            // a received snapshot became durable but before the hard state that follows it was synced
            // leaves the stored commit below it: a legal state, so raise the commit instead of refusing.
            let compactionPoint = try storage.firstIndex() - 1
            if hardState.commit < compactionPoint { hardState.commit = compactionPoint }
            let log = try RaftLog(storage: storage, committed: hardState.commit, applied: applied)
            return (hardState, confState, log)
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw .storage(error)
        }
    }

    /// This node's id.
    public var id: NodeID { config.id }

    /// A snapshot of the node's state (progress only on the leader).
    public var status: Status {
        Status(
            id: id, term: term, vote: vote, commit: raftLog.committed, applied: raftLog.applied,
            lastIndex: raftLog.lastIndex, role: role, leader: leader,
            progress: role == .leader ? progress.mapValues(\.publicView) : [:],
            leadTransferee: leadTransferee, confState: confState, logLoss: logLoss)
    }

    /// The log loss this node is recovering from (it neither votes nor
    /// campaigns meanwhile), nil once it has caught up past it (see ``LogLoss``).
    public var pendingLogLoss: LogLoss? { logLoss }

    /// The storage failed to read the log (a damaged record, an I/O error): the
    /// node cannot go on and must stop (etcd-io/raft panics here). Once set,
    /// ``hasReady`` stays true and ``ready()`` hands out nothing more, so that a
    /// caller cannot spin on work that can never be done; the caller reports
    /// the failure (it names the file and offset) and stops the node.
    public var storageFailure: StorageError? { failedRead }

    /// Records a failed storage read; logical answers (compacted, unavailable) are not failures.
    mutating func noteReadFailure(_ error: StorageError) {
        switch error {
        case .compacted, .unavailable, .snapshotTemporarilyUnavailable, .snapshotOutOfDate: return
        case .io: if failedRead == nil { failedRead = error }
        }
    }

    var softState: SoftState { SoftState(leader: leader, role: role) }
    var hardState: HardState { HardState(term: term, vote: vote, commit: raftLog.committed) }

    /// This node is a voter and so may campaign.
    var isPromotable: Bool { confState.voters.contains(id) }
    var isLearner: Bool { confState.learners.contains(id) }
    var quorum: Int { confState.voters.count / 2 + 1 }

    /// Advances logical time by one tick: followers and candidates count
    /// towards an election timeout, a leader towards its next heartbeat and
    /// its check-quorum period.
    public mutating func tick() {
        if role == .leader { tickLeader() } else { tickElection() }
    }

    /// Starts an election now (a pre-vote round first when enabled). Ignored by
    /// a leader and by nodes that are not voters.
    public mutating func campaign() {
        hup(transfer: false)
    }

    /// Proposes application data to be replicated.
    /// - Returns: the index of the new entry (its position once committed).
    /// - Throws: ``ProposalError/notLeader(leader:)`` on a non-leader (naming the
    ///   leader when known), ``ProposalError/leadershipTransferInProgress``, or
    ///   ``ProposalError/uncommittedSizeExceeded``.
    @discardableResult
    public mutating func propose(_ data: [UInt8]) throws(ProposalError) -> UInt64 {
        try checkCanPropose()
        let entry = Entry(term: term, index: raftLog.lastIndex + 1, kind: .normal, data: data)
        try appendProposal(entry)
        return entry.index
    }

    /// Proposes a single-server membership change. It takes effect on every
    /// node when the node applies the committed entry and calls
    /// ``applyConfChange(_:)``.
    /// - Throws: as ``propose(_:)``, plus ``ProposalError/confChangePending`` while
    ///   an earlier change is not yet applied and ``ProposalError/invalidConfChange(_:)``.
    @discardableResult
    public mutating func proposeConfChange(_ change: ConfChange) throws(ProposalError) -> UInt64 {
        try checkCanPropose()
        if pendingConfIndex > raftLog.applied { throw .confChangePending }
        if let reason = confChangeProblem(change) { throw .invalidConfChange(reason) }
        let entry = Entry(term: term, index: raftLog.lastIndex + 1, kind: .confChange, data: change.encoded)
        try appendProposal(entry)
        pendingConfIndex = entry.index
        return entry.index
    }

    /// Feeds a message from the network. Messages not addressed to this node,
    /// with stale terms, from unknown senders where that matters, or malformed
    /// ones are ignored (or answered so that a stale sender learns the term);
    /// this never traps.
    public mutating func step(_ message: Message) {
        guard isAcceptable(message) else { return }
        stepValidated(message)
    }

    /// Leader only: hands leadership to `transferee` (a voter). The leader
    /// first brings its log up to date, then tells it to campaign at once
    /// (message ``MessageType/timeoutNow``). Proposals are refused meanwhile.
    /// The transfer is abandoned after an election timeout. Ignored on other
    /// roles and for unknown targets.
    public mutating func transferLeadership(to transferee: NodeID) {
        guard role == .leader, transferee != id, let pr = progress[transferee], !pr.isLearner else { return }
        if leadTransferee == transferee { return }
        leadTransferee = transferee
        electionElapsed = 0
        if pr.match == raftLog.lastIndex {
            sendTimeoutNow(to: transferee)
        } else {
            sendAppend(to: transferee)
        }
    }

    /// Leader only: the transport could not deliver to `peer`; replication to
    /// it falls back to probing.
    public mutating func reportUnreachable(_ peer: NodeID) {
        guard role == .leader, progress[peer]?.state == .replicate else { return }
        progress[peer]!.becomeProbe()
    }

    /// Leader only: the snapshot sent to `peer` was delivered (or failed).
    /// Either way the leader probes the follower again after its next
    /// heartbeat answer; after a failure a fresh snapshot is sent if still needed.
    public mutating func reportSnapshot(_ peer: NodeID, succeeded: Bool) {
        guard role == .leader, progress[peer]?.state == .snapshot else { return }
        if !succeeded { progress[peer]!.pendingSnapshot = 0 }
        progress[peer]!.becomeProbe()
        progress[peer]!.probeSent = true
    }

    /// The caller's log writes are stalled (e.g. a disk write exceeded its
    /// deadline). A leader steps down instead of wedging the cluster: it tells
    /// its most up-to-date active voter to campaign at once (``MessageType/timeoutNow``,
    /// a message that does not depend on the stalled write) and becomes a
    /// follower. Other roles ignore it.
    public mutating func reportStorageStalled() {
        guard role == .leader else { return }
        var best: (id: NodeID, match: UInt64)?
        for voter in confState.voters where voter != id {
            guard let pr = progress[voter], pr.recentActive else { continue }
            if best == nil || pr.match > best!.match { best = (voter, pr.match) }
        }
        becomeFollower(term: term, leader: .none)
        if let best { send(Message(type: .timeoutNow, from: id, to: best.id)) }
    }

    /// Applies a committed membership change; call it when applying the entry
    /// of kind ``EntryKind/confChange`` (in log order, on every node).
    /// - Returns: the membership now in force (save it with snapshots).
    public mutating func applyConfChange(_ change: ConfChange) -> ConfState {
        guard change.node != .none else { return confState }
        confState = change.applied(to: confState)
        membershipChanged()
        return confState
    }

    /// True when ``ready()`` has work for the caller.
    public var hasReady: Bool {
        failedRead != nil || softState != reportedSoftState || hardState != reportedHardState
            || !raftLog.unstable.entriesToPersist.isEmpty || raftLog.unstable.snapshotToPersist != nil
            || !outbox.isEmpty || raftLog.hasNextCommittedEntries
    }

    /// Hands out the work accumulated since the last call. Call ``advance(_:)``
    /// with the result once it is done (the next `ready()` never repeats it).
    public mutating func ready() -> Ready {
        if failedRead != nil { return Ready() }
        let committed: [Entry]
        do {
            committed = try raftLog.nextCommittedEntries(maxBytes: config.maxCommittedSizePerReady)
        } catch {
            noteReadFailure(error)
            if failedRead != nil { return Ready() }
            committed = []
        }
        let soft = softState
        let hard = hardState
        let entries = Array(raftLog.unstable.entriesToPersist)
        let snapshot = raftLog.unstable.snapshotToPersist
        let termOrVoteChanged = hard.term != reportedHardState.term || hard.vote != reportedHardState.vote
        let result = Ready(
            softState: soft != reportedSoftState ? soft : nil,
            hardState: hard != reportedHardState ? hard : nil,
            entries: entries, snapshot: snapshot, committedEntries: committed, messages: outbox,
            mustSync: !entries.isEmpty || snapshot != nil || termOrVoteChanged)
        outbox = []
        reportedSoftState = soft
        reportedHardState = hard
        raftLog.unstable.acceptInProgress()
        if let last = committed.last { raftLog.applying = max(raftLog.applying, last.index) }
        return result
    }

    /// Confirms that `ready` was handled: its entries, hard state and snapshot
    /// are persisted and its committed entries applied. A leader counts its
    /// own entries toward quorum only from here on.
    public mutating func advance(_ ready: Ready) {
        if let snapshot = ready.snapshot {
            raftLog.unstable.stableSnapshotTo(index: snapshot.metadata.index)
            raftLog.applied = max(raftLog.applied, snapshot.metadata.index)
            raftLog.applying = max(raftLog.applying, raftLog.applied)
        }
        if let last = ready.entries.last {
            let stillInLog = raftLog.matchTerm(last.index, last.term)
            raftLog.unstable.stableTo(index: last.index, term: last.term)
            if stillInLog && role == .leader && progress[id] != nil {
                _ = progress[id]!.maybeUpdate(last.index)
                if maybeCommit() { sendCommitToIdleFollowers() }
            }
        }
        if let last = ready.committedEntries.last {
            raftLog.applied = max(raftLog.applied, min(last.index, raftLog.committed))
            raftLog.applying = max(raftLog.applying, raftLog.applied)
            if role == .leader {
                for entry in ready.committedEntries where entry.term == term {
                    uncommittedSize -= min(uncommittedSize, entry.accountedSize)
                }
            }
        }
    }
}
