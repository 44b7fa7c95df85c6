import Broadcast
import Raft

/// What the node does with each ``Ready`` of its Raft core, without sockets,
/// threads or clocks: persist, send, apply, advance, and snapshot on policy.
///
/// It owns the core (a value type; exactly one driver holds it) and the log
/// storage, and applies committed entries to the replicated state: the
/// ``Broadcast/Catalogue`` of streams and fragments, the ``MemberDirectory``
/// (every member's addresses and role, changed by committed membership
/// changes) and an ``AppliedState`` summary (a rolling hash over every
/// entry). The caller
/// gives it a `send` function and a clock, so tests drive several drivers
/// over an in-memory network deterministically.
///
/// Order within ``handleReady(send:now:)``, per the ``Ready`` contract:
/// 1. a leader whose term and vote did not change hands its messages to
///    `send` first (they leave while its own write runs);
/// 2. snapshot, entries and hard state are written, then synced once
///    (`mustSync`);
/// 3. every other role sends only now;
/// 4. the snapshot, then committed entries are applied (membership changes
///    reach the core);
/// 5. `advance`; then a snapshot is taken when ``SnapshotPolicy`` says so.
///
/// Snapshots (``NodeSnapshot``) never cover a fragment the catalogue still
/// serves: fragment bytes live only in the log, so the driver keeps recent
/// snapshots (``Broadcast/CatalogueSnapshotHistory``) and hands Raft the
/// newest one below the catalogue's `retainedLogFloor`, compacting no
/// further than it.
public struct NodeDriver {
    /// The Raft core.
    public private(set) var raft: RaftNode
    /// The log storage the core reads and the driver writes.
    public let storage: any MutableLogStorage
    /// The applied-entries summary (rolling hash).
    public private(set) var state: AppliedState
    /// The replicated catalogue of streams and fragments.
    public private(set) var catalogue: Catalogue
    /// The replicated member directory.
    public private(set) var members: MemberDirectory
    /// The directory cluster.yaml gives, for a version 1 snapshot (written before directories existed).
    private let bootstrapMembers: MemberDirectory
    /// Recent snapshots, to snapshot below the catalogue's retained floor.
    private var history = CatalogueSnapshotHistory()
    /// The membership at each snapshot in ``history``.
    private var historyConfStates: [UInt64: ConfState] = [:]
    /// The membership in force (from storage, snapshots and applied changes).
    public private(set) var confState: ConfState
    /// When to snapshot.
    public var snapshotPolicy: SnapshotPolicy
    /// Index of the newest snapshot held.
    public private(set) var snapshotIndex: UInt64
    private var appliedBytesSinceSnapshot: UInt64 = 0
    private var persistedTerm: UInt64
    private var persistedVote: NodeID

    /// Restores the node from `storage`: the state machine from its snapshot,
    /// the core from its hard state (entries after the snapshot are applied
    /// again as the core hands them out).
    /// - Parameter members: the member directory of cluster.yaml (``MemberDirectory/init(bootstrap:)``): the
    ///   directory until a snapshot or an applied change says otherwise.
    public init(
        config: Config, storage: any MutableLogStorage, snapshotPolicy: SnapshotPolicy = SnapshotPolicy(),
        members: MemberDirectory = MemberDirectory()
    ) throws {
        let snapshot = try storage.snapshot()
        var state = AppliedState()
        var catalogue = Catalogue()
        var directory = members
        if !snapshot.isEmpty {
            do {
                let decoded = try NodeSnapshot(decoding: snapshot.data, index: snapshot.metadata.index)
                (state, catalogue) = (decoded.summary, decoded.catalogue)
                directory = decoded.members ?? members
            } catch {
                throw NodeDriverError.badSnapshot("\(error)")
            }
        }
        var config = config
        config.applied = snapshot.metadata.index
        let (hardState, confState) = try storage.initialState()
        self.raft = try RaftNode(config: config, storage: storage)
        self.storage = storage
        self.state = state
        self.catalogue = catalogue
        self.members = directory
        self.bootstrapMembers = members
        self.confState = confState
        self.snapshotPolicy = snapshotPolicy
        self.snapshotIndex = snapshot.metadata.index
        self.persistedTerm = hardState.term
        self.persistedVote = hardState.vote
    }

    /// Advances logical time by one tick.
    public mutating func tick() { raft.tick() }

    /// Steps a message from a peer into the core.
    public mutating func step(_ message: Message) { raft.step(message) }

    /// Proposes `data` (leader only).
    /// - Returns: the index the entry will have if it commits.
    public mutating func propose(_ data: [UInt8]) throws(ProposalError) -> UInt64 { try raft.propose(data) }

    /// Proposes a single-server membership change (leader only); `change.context` carries the member's
    /// ``RaftcastClient/MemberRecord`` so that every node's ``members`` learns its addresses on apply.
    /// - Returns: the index the entry will have if it commits.
    public mutating func proposeConfChange(_ change: ConfChange) throws(ProposalError) -> UInt64 {
        try raft.proposeConfChange(change)
    }

    /// Starts an election now (tests and tools).
    public mutating func campaign() { raft.campaign() }

    /// Tells the core that `peer` could not be reached.
    public mutating func reportUnreachable(_ peer: NodeID) { raft.reportUnreachable(peer) }

    /// Tells the core that `peer`'s connections were reset or refused (its process may be gone).
    public mutating func reportLeaderUnreachable(_ peer: NodeID) { raft.reportLeaderUnreachable(peer) }

    /// Tells the core whether the snapshot for `peer` was handed to the network.
    public mutating func reportSnapshot(_ peer: NodeID, succeeded: Bool) { raft.reportSnapshot(peer, succeeded: succeeded) }

    /// True when the core has work.
    public var hasReady: Bool { raft.hasReady }

    /// Handles one ``Ready`` (see the type's documentation for the order).
    /// - Parameters:
    ///   - send: hands a message to the network; must not block.
    ///   - now: a monotonic clock, used only to time the storage sync.
    /// - Throws: ``NodeDriverError``; the node must stop (storage latched or snapshot unusable).
    public mutating func handleReady(send: (Message) -> Void, now: () -> ContinuousClock.Instant) throws(NodeDriverError) -> ReadyOutcome {
        let ready = raft.ready()
        // A damaged or unreadable log: the core hands out nothing more, and the node must stop.
        if let failure = raft.storageFailure { throw .storage(failure) }
        var outcome = ReadyOutcome()
        outcome.softState = ready.softState
        outcome.hardState = ready.hardState
        let termOrVoteChanged = ready.hardState.map { $0.term != persistedTerm || $0.vote != persistedVote } ?? false
        let sendEarly = raft.role == .leader && !termOrVoteChanged
        func sendAll() {
            for message in ready.messages {
                send(message)
                outcome.sentMessages += 1
                outcome.sentPayloadBytes += message.payloadSize
            }
        }
        if sendEarly { sendAll() }
        let storage = self.storage
        outcome.syncDuration = try Self.storageIO { () throws(StorageError) -> Duration? in
            if let snapshot = ready.snapshot { try storage.applySnapshot(snapshot) }
            if !ready.entries.isEmpty { try storage.append(ready.entries) }
            if let hardState = ready.hardState { try storage.setHardState(hardState) }
            guard ready.mustSync else { return nil }
            let start = now()
            try storage.sync()
            return now() - start
        }
        if let hardState = ready.hardState {
            persistedTerm = hardState.term
            persistedVote = hardState.vote
        }
        if !sendEarly { sendAll() }

        if let snapshot = ready.snapshot {
            let restored = Result { () throws(AppliedStateError) in
                try NodeSnapshot(decoding: snapshot.data, index: snapshot.metadata.index)
            }
            switch restored {
            case .failure(let error): throw .badSnapshot(error.reason)
            case .success(let decoded):
                (state, catalogue) = (decoded.summary, decoded.catalogue)
                members = decoded.members ?? bootstrapMembers
            }
            outcome.membersReplaced = true
            history = CatalogueSnapshotHistory()
            historyConfStates = [:]
            outcome.catalogueReplaced = true
            confState = snapshot.metadata.confState
            snapshotIndex = snapshot.metadata.index
            appliedBytesSinceSnapshot = 0
            outcome.installedSnapshot = snapshot.metadata
        }
        for entry in ready.committedEntries where entry.index > state.appliedIndex {
            if entry.kind == .confChange {
                if let change = ConfChange(encoded: entry.data) {
                    confState = raft.applyConfChange(change)
                    outcome.memberChanges.append(members.apply(change))
                }
                _ = catalogue.apply(payload: [], at: entry.index, term: entry.term)
            } else {
                // Decoded once: the catalogue applies it, and its change carries the fragment it decoded.
                if let change = catalogue.applyChange(payload: entry.data, at: entry.index, term: entry.term) {
                    outcome.catalogueChanges.append(change)
                }
            }
            state.apply(entry)
            appliedBytesSinceSnapshot += UInt64(entry.data.count)
            outcome.applied.append(entry)
        }
        raft.advance(ready)
        outcome.tookSnapshot = try snapshotIfDue()
        return outcome
    }

    /// Records a snapshot of the applied state when the policy says so, hands
    /// Raft the newest recorded one below the catalogue's retained floor, and
    /// compacts the log behind it, keeping ``SnapshotPolicy/keptTail`` entries.
    private mutating func snapshotIfDue() throws(NodeDriverError) -> SnapshotMetadata? {
        let applied = state.appliedIndex
        let lastRecorded = max(snapshotIndex, history.points.last?.index ?? 0)
        guard applied > lastRecorded else { return nil }
        let byCount = snapshotPolicy.entries > 0 && applied - lastRecorded >= snapshotPolicy.entries
        let bySize = snapshotPolicy.bytes > 0 && appliedBytesSinceSnapshot >= snapshotPolicy.bytes
        guard byCount || bySize else { return nil }
        appliedBytesSinceSnapshot = 0
        history.record(
            index: applied, data: NodeSnapshot(summary: state, members: members, catalogue: catalogue).encoded(),
            retainedLogFloor: catalogue.retainedLogFloor)
        historyConfStates[applied] = confState
        let kept = Set(history.points.map(\.index))
        historyConfStates = historyConfStates.filter { kept.contains($0.key) }
        guard let point = history.compactionPoint(for: catalogue), point.index > snapshotIndex,
            let pointConfState = historyConfStates[point.index]
        else { return nil }
        let storage = self.storage
        let keptTail = snapshotPolicy.keptTail
        let snapshot = try Self.storageIO { () throws(StorageError) -> Snapshot in
            let snapshot = try storage.createSnapshot(at: point.index, confState: pointConfState, data: point.data)
            if applied > keptTail {
                let compactTo = min(applied - keptTail, point.index + 1)
                if compactTo > (try storage.firstIndex()) { try storage.compact(upTo: compactTo) }
            }
            return snapshot
        }
        snapshotIndex = point.index
        return snapshot.metadata
    }

    /// Runs storage calls, reporting their failure as ``NodeDriverError/storage(_:)``.
    private static func storageIO<T>(_ body: () throws(StorageError) -> T) throws(NodeDriverError) -> T {
        switch Result(catching: body) {
        case .success(let value): return value
        case .failure(let error): throw .storage(error)
        }
    }

    /// Makes everything written durable (at shutdown: the last commit index).
    public func flush() throws(NodeDriverError) {
        let storage = self.storage
        try Self.storageIO { () throws(StorageError) in try storage.sync() }
    }
}
