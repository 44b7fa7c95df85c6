import Broadcast
import Foundation
import Logging
import NIOConcurrencyHelpers
import Raft
import RaftcastClient

/// Runs a ``NodeDriver`` on a dedicated thread: a thin shell that waits for work, steps it into the
/// driver, handles every Ready (which may block on fsync) and publishes the result. Blocking disk I/O
/// therefore never runs on Swift concurrency's cooperative pool, and the Raft core, its storage writes and
/// the ingest sessions are only ever touched by this thread.
///
/// - In: a ``ThreadMailbox`` of ``Work`` (``deliver(_:)``, ``propose(_:timeout:)``, ``startIngest(_:)``,
///   ``reportStorageFailure(_:)``; ``requestStop()``).
/// - Ingest decisions: ``IngestCoordinator`` (the loop tells it what was committed and when the role changed);
///   retention decisions: ``RetentionCoordinator`` (the same, and it proposes the removals on the leader).
/// - Out: a ``NodeEventHub`` for subscribers, and the state other threads read (``report``, ``status``,
///   ``ingestStatus(of:)``), published after every iteration. Proposals and ingest starts are answered after
///   that publication, so a caller that hears "applied" reads a state that holds its entry.
/// - Reads from other threads go only to what is thread-safe by itself: the published copies, and the log
///   storage (``fragmentRecord(atLogIndex:)``), never the driver.
public final class RaftLoop: @unchecked Sendable {
    /// A proposal waiting to be applied: one from another thread (with a deadline and an answer), or one of
    /// the leader's ingest sessions (neither; only its commit latency is recorded).
    struct PendingProposal {
        var term: UInt64
        var proposed: ContinuousClock.Instant
        var deadline: ContinuousClock.Instant?
        var completion: (@Sendable (ProposalOutcome) -> Void)?
    }

    /// What other threads hand to the loop.
    enum Work {
        /// A message from a peer.
        case message(Message)
        /// A proposal and when it gives up.
        case proposal(data: [UInt8], deadline: ContinuousClock.Instant, completion: @Sendable (ProposalOutcome) -> Void)
        /// A membership change and when it gives up.
        case membership(MembershipRequest, deadline: ContinuousClock.Instant, completion: @Sendable (MembershipOutcome) -> Void)
        /// An ingest to start on this leader.
        case ingest(IngestRequest, completion: @Sendable (IngestStartResult) -> Void)
        /// A fatal failure found outside the loop (a damaged log entry read for playback or HTTP).
        case fatal(NodeDriverError)
        /// The transport lost its connection to a peer, or could not dial it (its process may be gone).
        case linkLost(peer: String)
    }

    /// What the loop publishes for other threads besides the hub's events.
    struct Published {
        var report: ClusterStatusReport
        var status: Status
        var ingestStatuses: [StreamID: IngestStatus] = [:]
        var failure: NodeDriverError?
        var members: MemberDirectory
        /// Set once this node applied the change that removed it: the marker's line.
        var removed: String?
    }

    /// Decides the message's network fate: returns true when the transport accepted it.
    public typealias Sender = @Sendable (Message) -> Bool

    private let mailbox = ThreadMailbox<Work>()
    private let published: NIOLockedValueBox<Published>
    private let hub: NodeEventHub
    /// The log, read for fragment records on other threads (the storage is thread-safe; the driver is not).
    private let fragmentStore: CatalogueLogFragmentStore

    // Owned by the loop thread only.
    private var driver: NodeDriver
    private var pending: [UInt64: PendingProposal] = [:]
    private var lastContact: [NodeID: ContinuousClock.Instant] = [:]
    private var lastKnownLeader: NodeID = .none
    private var logger: Logger
    private let ingest: IngestCoordinator
    private var retention: RetentionCoordinator
    /// Events of the current iteration, published with its state.
    private var events: [NodeEvent] = []
    /// Answers of the current iteration, given once its state is published.
    private var answers: [@Sendable () -> Void] = []
    /// The core started recovering from a log loss and the marker is still on disk.
    private lazy var logLossPending = driver.raft.pendingLogLoss != nil
    private let clusterTime: any ClusterTimeSource
    /// This node applied its own removal: it steps no message and no tick any more (loop thread).
    private var removed = false
    /// The peers that refused this node recently, for the report's notice.
    public let peerRefusals: PeerRefusals

    private let cluster: ClusterConfig
    private let member: ClusterConfig.Member
    private let tickInterval: Duration
    private let send: Sender
    private let metrics: NodeMetrics
    private let clock = ContinuousClock()

    /// A loop for `driver`, ticking every `tickInterval`, sending through `send`.
    /// - Parameters:
    ///   - clusterTime: cluster time, for the leader's ingest sessions.
    ///   - uploadDirectory: where the HTTP API stores uploads (`<id>.upload`); removed once their stream ends.
    public init(
        driver: NodeDriver, cluster: ClusterConfig, member: ClusterConfig.Member, tickInterval: Duration,
        metrics: NodeMetrics, logger: Logger, clusterTime: any ClusterTimeSource, uploadDirectory: String? = nil,
        send: @escaping Sender
    ) {
        self.driver = driver
        self.clusterTime = clusterTime
        self.cluster = cluster
        self.member = member
        self.tickInterval = tickInterval
        self.metrics = metrics
        self.send = send
        self.fragmentStore = CatalogueLogFragmentStore(storage: driver.storage)
        var logger = logger
        logger[metadataKey: "node"] = "\(member.id)"
        self.logger = logger
        let status = driver.raft.status
        self.published = NIOLockedValueBox(
            Published(
                report: Self.makeReport(
                    status: status, driver: driver, cluster: cluster, member: member, lastContact: [:],
                    now: ContinuousClock().now),
                status: status, members: driver.members))
        self.hub = NodeEventHub(
            catalogue: driver.catalogue,
            leader: status.leader == .none ? nil : Self.memberName(status.leader, driver: driver, cluster: cluster),
            term: status.term)
        var ingestLogger = logger
        ingestLogger[metadataKey: "component"] = "ingest"
        self.ingest = IngestCoordinator(
            playoutDelay: .milliseconds(cluster.playoutDelayMilliseconds),
            maxUncommittedBytes: min(4 << 20, Int(Config(id: member.raftID).maxUncommittedEntriesSize / 4)),
            library: cluster.mediaDirectory.map(MediaLibrary.init(directory:)), uploadDirectory: uploadDirectory
        ) { [ingestLogger] message in ingestLogger.info("\(message)") }
        self.retention = RetentionCoordinator(policy: RetentionPolicy(cluster.retention))
        self.peerRefusals = PeerRefusals(logger: logger)
    }

    /// Starts the loop thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "raft-loop"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// The transport lost its connection to member `peer` or could not dial it: if it is this follower's
    /// leader, the core stops counting on it and campaigns (`RaftNode.reportLeaderUnreachable`).
    public func linkLost(peer: String) {
        mailbox.post(.linkLost(peer: peer))
    }

    /// Hands a message from a peer to the loop (any thread; never blocks for long).
    public func deliver(_ message: Message) {
        mailbox.post(.message(message))
    }

    /// Proposes `data` and waits until it is applied on this node (the leader),
    /// refused, or `timeout` passes.
    public func propose(_ data: [UInt8], timeout: Duration) async -> ProposalOutcome {
        await withCheckedContinuation { continuation in
            let work = Work.proposal(data: data, deadline: ContinuousClock.now + timeout) { continuation.resume(returning: $0) }
            if !mailbox.post(work) { continuation.resume(returning: .timedOut) }
        }
    }

    /// Proposes the membership change `request` (checked first by ``MembershipCheck``; refused up front with a
    /// ``MembershipRefusal``) and waits until it is applied on this node (the leader) or `timeout` passes.
    public func proposeMembership(_ request: MembershipRequest, timeout: Duration) async -> MembershipOutcome {
        await withCheckedContinuation { continuation in
            let work = Work.membership(request, deadline: ContinuousClock.now + timeout) { continuation.resume(returning: $0) }
            if !mailbox.post(work) { continuation.resume(returning: .timedOut) }
        }
    }

    /// Cluster time now (``NodeBackend/clusterNow()``).
    public func clusterNow() -> ClusterTime? { clusterTime.clusterNow() }

    /// The cluster's playout delay (``NodeBackend/playoutDelay``).
    public var playoutDelay: Duration { .milliseconds(cluster.playoutDelayMilliseconds) }

    /// Starts (or resumes) ingesting `request` on this node, which must be the leader.
    public func startIngest(_ request: IngestRequest) async -> IngestStartResult {
        await withCheckedContinuation { continuation in
            if !mailbox.post(.ingest(request) { continuation.resume(returning: $0) }) {
                continuation.resume(returning: .failed("the node is stopping"))
            }
        }
    }

    /// Registers `handler`, called on the Raft thread with every later batch of events (it must only
    /// enqueue, never block), and returns the state as of the last batch delivered before it, atomically:
    /// no event is missed or seen twice (``NodeEventHub``).
    public func subscribe(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (
        catalogue: Catalogue, leader: String?, term: UInt64
    ) {
        let subscription = hub.addSubscriber(handler)
        return (subscription.catalogue, subscription.leader, subscription.term)
    }

    /// ``subscribe(_:)`` for a subscriber that leaves later: `token` is for ``removeSubscriber(_:)``.
    public func addSubscriber(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (
        token: UInt64, catalogue: Catalogue, leader: String?, term: UInt64
    ) {
        hub.addSubscriber(handler)
    }

    /// Stops calling the subscriber registered with `token`.
    public func removeSubscriber(_ token: UInt64) { hub.removeSubscriber(token) }

    /// The catalogue as of the last iteration.
    public var catalogue: Catalogue { hub.catalogue }

    /// This node's ingest status for `stream`, nil when it never ingested it.
    public func ingestStatus(of stream: StreamID) -> IngestStatus? {
        published.withLockedValue { $0.ingestStatuses[stream] }
    }

    /// The fragment record stored in the log entry at `logIndex` (any thread).
    /// - Throws: ``CatalogueFragmentStoreError`` when the entry is compacted or unreadable.
    public func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8] {
        let payload: [UInt8]
        do {
            payload = try fragmentStore.payload(atLogIndex: logIndex)
        } catch {
            // A damaged or unreadable log stops the node, wherever the damage is found.
            if case .io(let message) = error { reportStorageFailure(.io(message)) }
            throw error
        }
        guard case .fragment(_, _, let record) = try CatalogueEntry(decoding: payload[...]) else {
            throw CatalogueFragmentStoreError.unavailable(logIndex: logIndex)
        }
        return Array(record)
    }

    /// Called on the loop thread once the node has caught up past a log loss
    /// (``Raft/LogLoss``) and that is durable; it removes the log-loss marker.
    /// Set before ``start()``.
    public var onLogLossRecovered: (@Sendable () throws -> Void)?
    /// Called on the loop thread when a fatal failure stops the loop (e.g. to
    /// bound the time the rest of the node takes to stop). Set before ``start()``.
    public var onFailure: (@Sendable (NodeDriverError) -> Void)?

    /// Stops the loop with a fatal storage failure found on another thread
    /// (any thread): it logs a `critical` line and the node exits with status 1.
    public func reportStorageFailure(_ error: StorageError) {
        mailbox.post(.fatal(.storage(error)))
    }

    /// Asks the loop to stop after its current iteration (flushing storage).
    public func requestStop() { mailbox.requestStop() }

    /// Returns once the loop thread has exited.
    public func waitUntilStopped() async { await mailbox.waitUntilFinished() }

    /// The failure that stopped the loop, if any.
    public var failure: NodeDriverError? { published.withLockedValue { $0.failure } }

    /// The status report published after the last iteration, with this node's notice: its removal (role
    /// `removed`), or the peers refusing it.
    public var report: ClusterStatusReport {
        let (report, removed) = published.withLockedValue { ($0.report, $0.removed) }
        var noticed = report
        if let removed {
            noticed.role = "removed"
            noticed.notice = "removed from the cluster (\(removed))"
        } else {
            noticed.notice = peerRefusals.notice()
        }
        return noticed
    }

    /// A peer that proved the secret refused this node's connections with `reason` (any thread;
    /// `Transport.onRefusedByPeer`): logged and shown in the report's notice (``PeerRefusals``) — unless
    /// this node's directory no longer lists that peer: a member removed while running refuses everyone
    /// once it has left, while the others still dial it during the departure grace, and that refusal is
    /// about the peer, not this node.
    public func refusedByPeer(_ peer: String, reason: String) {
        guard members.member(id: peer) != nil else { return }
        peerRefusals.refused(peer: peer, reason: reason)
    }

    /// Called on the loop thread once this node has applied the change that removes it from the cluster
    /// (log index and term of the change), before the iteration is published: record it durably and leave the
    /// network. A throw stops the node (as a storage failure). Set before ``start()``.
    public var onRemoved: (@Sendable (_ index: UInt64, _ term: UInt64) throws -> Void)?

    /// The core's status after the last iteration.
    public var status: Status { published.withLockedValue { $0.status } }

    /// The member directory as of the last iteration.
    public var members: MemberDirectory { published.withLockedValue { $0.members } }

    /// The leader's progress of each member (match index by Raft id) as of the last iteration; nil unless leading.
    public var memberMatchIndexes: [NodeID: UInt64]? {
        let status = self.status
        guard status.role == .leader else { return nil }
        return status.progress.mapValues(\.match)
    }

    /// Called on the loop thread with the new directory when applied membership changes or an installed
    /// snapshot changed it (before the iteration's state is published); set before ``start()``.
    public var onMembersChanged: (@Sendable (MemberDirectory) -> Void)?

    /// The member id of Raft node `raftID`: from the replicated directory, else from cluster.yaml.
    static func memberName(_ raftID: NodeID, driver: NodeDriver, cluster: ClusterConfig) -> String? {
        driver.members.member(raftID: raftID)?.id ?? cluster.member(raftID: raftID)?.id
    }

    private func memberName(_ raftID: NodeID) -> String? { Self.memberName(raftID, driver: driver, cluster: cluster) }

    // MARK: - The loop thread

    private func run() {
        var nextTick = clock.now + tickInterval
        updateLogger(status: driver.raft.status)
        logger.info("raft loop started", metadata: ["applied": "\(driver.state.appliedIndex)"])
        var failure: NodeDriverError?
        while failure == nil, let batch = mailbox.take(waitingFor: clock.now.duration(to: nextTick)) {
            let now = clock.now
            var ingests: [(IngestRequest, @Sendable (IngestStartResult) -> Void)] = []
            for work in batch {
                switch work {
                case .message(let message):
                    guard !removed else { break }
                    lastContact[message.from] = now
                    driver.step(message)
                case let .proposal(data, deadline, completion):
                    propose(data, deadline: deadline, completion: completion, now: now)
                case let .membership(request, deadline, completion):
                    proposeMembership(request, deadline: deadline, completion: completion, now: now)
                case let .ingest(request, completion):
                    ingests.append((request, completion))
                case .fatal(let error):
                    failure = failure ?? error
                case .linkLost(let peer):
                    let raftID = ClusterConfig.raftID(for: peer)
                    guard driver.raft.leader == raftID, driver.raft.role == .follower else { break }
                    driver.reportLeaderUnreachable(raftID)
                    if driver.raft.leader == .none {
                        logger.info("the connection to leader \(peer) was lost: not waiting for the election timeout")
                    }
                }
            }
            if let failure {
                logger.critical("stopping: \(failure)")
                break
            }
            if now >= nextTick {
                if !removed { driver.tick() }
                nextTick = nextTick + tickInterval
                // After a stall (e.g. a long fsync) do not fire a burst of ticks.
                if nextTick < now { nextTick = now + tickInterval }
            }
            do {
                try iterate(ingests: ingests)
            } catch {
                failure = error
                logger.critical("stopping: \(error)")
                break
            }
            expireProposals(now: clock.now)
            publish()
        }
        if failure == nil {
            do { try driver.flush() } catch {
                failure = error
                logger.error("final flush failed: \(error)")
            }
        }
        // Work nobody took: answered, and a fatal failure reported after a stop still counts.
        for work in mailbox.close() {
            switch work {
            case .message, .linkLost: break
            case .proposal(_, _, let completion): completion(.timedOut)
            case .membership(_, _, let completion): completion(.timedOut)
            case .ingest(_, let completion): completion(.failed("the node is stopping"))
            case .fatal(let error): failure = failure ?? error
            }
        }
        if let failure { onFailure?(failure) }
        for proposal in pending.values { proposal.completion?(.timedOut) }
        pending = [:]
        ingest.leadershipLost(leader: nil)
        published.withLockedValue { $0.failure = failure }
        for answer in answers { answer() }
        answers = []
        logger.info("raft loop stopped", metadata: ["applied": "\(driver.state.appliedIndex)"])
        mailbox.finish()
    }

    /// One iteration after the work is stepped in: every Ready, the ingest starts asked for, the ingest
    /// sessions, and the log-loss marker once recovered.
    private func iterate(ingests: [(IngestRequest, @Sendable (IngestStartResult) -> Void)]) throws(NodeDriverError) {
        while driver.hasReady { try handleReady() }
        for (request, completion) in ingests {
            let result = startIngest(request)
            answers.append { completion(result) }
        }
        if driveIngest() { while driver.hasReady { try handleReady() } }
        if driveRetention() { while driver.hasReady { try handleReady() } }
        if logLossPending && driver.raft.pendingLogLoss == nil {
            // Caught up, and the Readies that did it (entries, the vote for the leader) are durable.
            do {
                try onLogLossRecovered?()
            } catch {
                throw .storage(.io("cannot remove the log-loss marker: \(error)"))
            }
            logLossPending = false
            logger.notice("caught up past the entries the log had lost: votes again")
        }
    }

    private func propose(
        _ data: [UInt8], deadline: ContinuousClock.Instant, completion: @escaping @Sendable (ProposalOutcome) -> Void,
        now: ContinuousClock.Instant
    ) {
        do {
            let index = try driver.propose(data)
            pending[index] = PendingProposal(term: driver.raft.term, proposed: now, deadline: deadline, completion: completion)
        } catch {
            switch error {
            case .notLeader(let leader):
                completion(.notLeader(leader: leader.flatMap { memberName($0) }))
            default:
                completion(.refused("\(error)"))
            }
        }
    }
    /// Checks `request` (``MembershipCheck``) and proposes its change; `completion` hears the outcome once
    /// the change is applied (after the iteration's publication), or at once when it is refused.
    private func proposeMembership(
        _ request: MembershipRequest, deadline: ContinuousClock.Instant,
        completion: @escaping @Sendable (MembershipOutcome) -> Void, now: ContinuousClock.Instant
    ) {
        let status = driver.raft.status
        let window = Duration.milliseconds(cluster.electionTimeoutMilliseconds.lowerBound)
        let heard = Set(lastContact.filter { now - $0.value <= window }.keys)
        let check = MembershipCheck(
            directory: driver.members, status: status, changePending: driver.raft.hasPendingConfChange, heard: heard,
            leaderName: status.leader == .none ? nil : memberName(status.leader))
        let change: ConfChange
        let record: MemberRecord
        switch check.change(for: request) {
        case .failure(let refusal):
            logger.notice("membership change refused: \(request.verb) \(request.memberID): \(refusal.message)")
            completion(.refused(refusal))
            return
        case .success(let proposal):
            (change, record) = proposal
        }
        do {
            let index = try driver.proposeConfChange(change)
            logger.notice("membership change proposed: \(request.verb) \(request.memberID)", metadata: [
                "log_index": "\(index)", "role": "\(record.role)", "raft": "\(record.raft)", "http": "\(record.http)",
            ])
            pending[index] = PendingProposal(term: driver.raft.term, proposed: now, deadline: deadline) { outcome in
                switch outcome {
                case .applied(let index, _): completion(.applied(member: record, index: index))
                case .notLeader(let leader): completion(.refused(.notLeader(leader: leader)))
                case .timedOut: completion(.timedOut)
                case .refused(let reason): completion(.refused(.coreRefused(reason)))
                }
            }
        } catch {
            let refusal: MembershipRefusal
            switch error {
            case .notLeader(let leader): refusal = .notLeader(leader: leader.flatMap { memberName($0) })
            case .confChangePending: refusal = .changeInProgress
            case .invalidConfChange(let reason): refusal = .coreRefused(reason)
            case .uncommittedSizeExceeded: refusal = .coreRefused("too many uncommitted entries; retry shortly")
            case .leadershipTransferInProgress: refusal = .coreRefused("leadership is being transferred; retry at the new leader")
            }
            completion(.refused(refusal))
        }
    }

    private func handleReady() throws(NodeDriverError) {
        let send = self.send
        var unreachable: Set<NodeID> = []
        var snapshots: [(NodeID, Bool)] = []
        let outcome = try driver.handleReady(
            send: { message in
                let queued = send(message)
                if message.type == .installSnapshot {
                    snapshots.append((message.to, queued))
                } else if !queued && message.type == .appendEntries {
                    unreachable.insert(message.to)
                }
            }, now: { ContinuousClock().now })
        for peer in unreachable { driver.reportUnreachable(peer) }
        for (peer, ok) in snapshots { driver.reportSnapshot(peer, succeeded: ok) }
        metrics.record(outcome)
        if let soft = outcome.softState { softStateChanged(soft) }
        if let snapshot = outcome.installedSnapshot {
            logger.info("installed snapshot from leader", metadata: ["index": "\(snapshot.index)"])
        }
        if let snapshot = outcome.tookSnapshot {
            logger.debug("took snapshot", metadata: ["index": "\(snapshot.index)"])
        }
        if !outcome.catalogueChanges.isEmpty { catalogueChanged(outcome.catalogueChanges) }
        if outcome.membersReplaced || !outcome.memberChanges.isEmpty { try membersChanged(outcome) }
        if !outcome.applied.isEmpty && !pending.isEmpty {
            let now = clock.now
            for entry in outcome.applied {
                guard let proposal = pending.removeValue(forKey: entry.index) else { continue }
                let outcome: ProposalOutcome
                if entry.term == proposal.term {
                    metrics.commitLatency.record(proposal.proposed.duration(to: now))
                    outcome = .applied(index: entry.index, term: entry.term)
                } else {
                    outcome = .timedOut
                }
                if let completion = proposal.completion { answers.append { completion(outcome) } }
            }
        }
    }

    private func softStateChanged(_ soft: SoftState) {
        let status = driver.raft.status
        updateLogger(status: status)
        if soft.role == .candidate { metrics.electionsStarted.increment() }
        let leaderLabel = soft.leader == .none ? "none" : memberName(soft.leader) ?? "\(soft.leader)"
        logger.info("role or leader changed", metadata: ["leader": "\(leaderLabel)"])
        if soft.leader != .none && soft.leader != lastKnownLeader { metrics.leaderChanges.increment() }
        if soft.leader != .none { lastKnownLeader = soft.leader }
        if soft.role != .leader && !pending.isEmpty {
            for proposal in pending.values { proposal.completion?(.timedOut) }
            pending = [:]
        }
        if soft.role != .leader {
            ingest.leadershipLost(leader: soft.leader == .none ? nil : soft.leader)
            retention.leadershipLost()
        } else {
            ingest.leadershipGained(firstIndex: driver.raft.status.lastIndex)
            retention.leadershipGained(firstIndex: driver.raft.status.lastIndex)
        }
        let leaderName = soft.leader == .none ? nil : memberName(soft.leader)
        events.append(.leaderChanged(leader: leaderName, term: driver.raft.term, isSelf: soft.role == .leader))
    }

    /// Logs what applied membership changes did to the directory and hands the new one to ``onMembersChanged``.
    private func membersChanged(_ outcome: ReadyOutcome) throws(NodeDriverError) {
        var changed = outcome.membersReplaced
        for change in outcome.memberChanges {
            switch change {
            case .added(let record):
                changed = true
                logger.notice("member added", metadata: ["member": "\(record.id)", "role": "\(record.role)", "raft": "\(record.raft)", "http": "\(record.http)"])
            case .updated(let old, let record):
                changed = true
                logger.notice("member changed", metadata: [
                    "member": "\(record.id)", "role": "\(old.role) -> \(record.role)", "raft": "\(old.raft) -> \(record.raft)",
                    "http": "\(old.http) -> \(record.http)",
                ])
            case .removed(let record):
                changed = true
                logger.notice("member removed", metadata: ["member": "\(record.id)"])
                if record.id == member.id { try removedSelf() }
            case .ignored(let reason):
                logger.error("committed membership change carries an unusable member record; the directory ignores it: \(reason)")
            case .unchanged:
                break
            }
        }
        if changed { onMembersChanged?(driver.members) }
    }

    /// This node applied its own removal: recorded durably (``onRemoved``), then it steps no message and no
    /// tick — it neither votes nor campaigns — and reports role `removed`.
    private func removedSelf() throws(NodeDriverError) {
        guard !removed else { return }
        let index = driver.state.appliedIndex, term = driver.raft.term
        do {
            try onRemoved?(index, term)
        } catch {
            throw .storage(.io("cannot record this node's removal: \(error)"))
        }
        removed = true
        let line = RemovedMarker.line(member: member.id, index: index, term: term)
        published.withLockedValue { $0.removed = line }
        logger.warning("this node was removed from the cluster: it leaves the network, votes and campaigns no more; restarting it on this data dir is refused", metadata: ["log_index": "\(index)"])
    }

    /// Hands committed catalogue changes to the ingest coordinator and the subscribers; logs a stream's failure.
    private func catalogueChanged(_ changes: [CatalogueChange]) {
        let changed = changes.filter(\.event.changedCatalogue)
        ingest.committed(changed, catalogue: driver.catalogue, now: ingest.isActive ? clusterTime.clusterNow() : nil)
        for removed in retention.committed(changed, appliedIndex: driver.state.appliedIndex) {
            metrics.streamsRemoved.increment()
            logger.info("retention removed a finished stream", metadata: [
                "stream": "\(removed.removal.stream)", "name": "\(removed.name)", "log_index": "\(removed.logIndex)",
                "reason": "\(removed.removal)",
            ])
        }
        for change in changed {
            events.append(.catalogue(change))
            if case let .streamFailed(id, index, reason) = change.event {
                logger.error("stream failed: its committed fragment breaks the catalogue's limits; it takes no more fragments", metadata: [
                    "stream": "\(id)", "fragment": "\(index)", "log_index": "\(change.logIndex)",
                    "reason": "\(reason)",
                ])
            }
        }
    }

    private func startIngest(_ request: IngestRequest) -> IngestStartResult {
        guard driver.raft.role == .leader else {
            let leader = driver.raft.status.leader
            return .notLeader(leader: leader == .none ? nil : memberName(leader))
        }
        return ingest.start(request, catalogue: driver.catalogue)
    }

    /// Lets the ingest coordinator run the leader's sessions. Returns true when something was proposed.
    /// Each proposal's commit latency is recorded like any other's.
    private func driveIngest() -> Bool {
        guard driver.raft.role == .leader, let now = clusterTime.clusterNow() else { return false }
        let proposed = clock.now
        return ingest.drive(appliedIndex: driver.state.appliedIndex, catalogue: driver.catalogue, now: now) { payload in
            do throws(ProposalError) {
                let index = try driver.propose(payload)
                pending[index] = PendingProposal(term: driver.raft.term, proposed: proposed, deadline: nil, completion: nil)
                return .success(index)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Lets the retention coordinator propose the removals of streams no longer kept (leader only).
    /// Returns true when something was proposed. Streams this node is ingesting are protected.
    private func driveRetention() -> Bool {
        guard driver.raft.role == .leader, retention.isEnabled, let now = clusterTime.clusterNow() else { return false }
        let proposed = clock.now
        let ingesting = Set(ingest.statuses.filter(\.value.active).keys)
        return retention.drive(
            appliedIndex: driver.state.appliedIndex, catalogue: driver.catalogue, now: now, at: proposed,
            protected: ingesting
        ) { payload in
            do throws(ProposalError) {
                let index = try driver.propose(payload)
                pending[index] = PendingProposal(term: driver.raft.term, proposed: proposed, deadline: nil, completion: nil)
                return .success(index)
            } catch {
                return .failure(error)
            }
        }
    }

    private func updateLogger(status: Status) {
        logger[metadataKey: "term"] = "\(status.term)"
        logger[metadataKey: "role"] = "\(status.role)"
    }

    private func expireProposals(now: ContinuousClock.Instant) {
        guard !pending.isEmpty else { return }
        for (index, proposal) in pending {
            guard let deadline = proposal.deadline, deadline <= now else { continue }
            pending.removeValue(forKey: index)
            proposal.completion?(.timedOut)
        }
    }

    /// Publishes this iteration's state and events, then gives the answers it holds.
    private func publish() {
        let status = driver.raft.status
        metrics.record(status: status)
        if status.term != published.withLockedValue({ $0.status.term }) { updateLogger(status: status) }
        let report = Self.makeReport(
            status: status, driver: driver, cluster: cluster, member: member, lastContact: lastContact, now: clock.now)
        let statuses = ingest.statuses
        let members = driver.members
        published.withLockedValue { p in
            p.report = report
            p.status = status
            p.ingestStatuses = statuses
            p.members = members
        }
        let events = self.events
        self.events = []
        hub.publish(
            events, catalogue: driver.catalogue, leader: status.leader == .none ? nil : memberName(status.leader),
            term: status.term)
        let answers = self.answers
        self.answers = []
        for answer in answers { answer() }
    }
}
