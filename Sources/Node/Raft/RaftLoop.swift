import Broadcast
import Foundation
import Logging
import NIOConcurrencyHelpers
import Raft
import RaftcastClient

/// Runs a ``NodeDriver`` on a dedicated thread: waits for messages, proposals
/// or the next tick, steps them in, then handles every Ready (which may block
/// on fsync). Blocking disk I/O therefore never runs on Swift concurrency's
/// cooperative pool, and the Raft core is only ever touched by this thread.
///
/// Other threads talk to it through a locked inbox (``deliver(_:)``,
/// ``propose(_:timeout:)``, ``requestStop()``) and read the state it publishes
/// after every iteration (``report``, ``status``).
public final class RaftLoop: @unchecked Sendable {
    /// A proposal waiting to be applied.
    struct PendingProposal {
        var term: UInt64
        var proposed: ContinuousClock.Instant
        var deadline: ContinuousClock.Instant
        var completion: @Sendable (ProposalOutcome) -> Void
    }

    struct QueuedProposal {
        var data: [UInt8]
        var deadline: ContinuousClock.Instant
        var completion: @Sendable (ProposalOutcome) -> Void
    }

    struct QueuedIngest {
        var request: IngestRequest
        var completion: @Sendable (IngestStartResult) -> Void
    }

    struct Inbox {
        var messages: [Message] = []
        var proposals: [QueuedProposal] = []
        var ingests: [QueuedIngest] = []
        var stopRequested = false
        /// A fatal failure found outside the loop (a damaged log entry read for playback or HTTP).
        var fatal: NodeDriverError?
    }

    struct Published {
        var report: ClusterStatusReport
        var status: Status
        var catalogue: Catalogue
        var ingestStatuses: [StreamID: IngestStatus] = [:]
        var leader: String?
        var subscribers: [UInt64: @Sendable ([NodeEvent]) -> Void] = [:]
        var nextSubscriber: UInt64 = 0
        var stopped = false
        var failure: NodeDriverError?
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Decides the message's network fate: returns true when the transport accepted it.
    public typealias Sender = @Sendable (Message) -> Bool

    private let condition = NSCondition()
    private var inbox = Inbox()  // guarded by `condition`
    private let published: NIOLockedValueBox<Published>

    // Owned by the loop thread only.
    private var driver: NodeDriver
    private var pending: [UInt64: PendingProposal] = [:]
    private var lastContact: [NodeID: ContinuousClock.Instant] = [:]
    private var lastKnownLeader: NodeID = .none
    private var logger: Logger
    private var ingest: IngestCoordinator!
    /// Events of the current iteration, published with its state.
    private var events: [NodeEvent] = []
    /// The index of this leader's first entry of its term: resume from the library once it is applied.
    private var leaderTermStart: UInt64?
    /// The core started recovering from a log loss and the marker is still on disk.
    private lazy var logLossPending = driver.raft.pendingLogLoss != nil
    private let clusterTime: any ClusterTimeSource
    private let uploadDirectory: String?

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
        self.uploadDirectory = uploadDirectory
        self.cluster = cluster
        self.member = member
        self.tickInterval = tickInterval
        self.metrics = metrics
        self.send = send
        var logger = logger
        logger[metadataKey: "node"] = "\(member.id)"
        self.logger = logger
        let status = driver.raft.status
        self.published = NIOLockedValueBox(
            Published(
                report: Self.makeReport(
                    status: status, driver: driver, cluster: cluster, member: member, lastContact: [:],
                    now: ContinuousClock().now),
                status: status, catalogue: driver.catalogue))
        var ingestLogger = self.logger
        self.ingest = IngestCoordinator(
            playoutDelay: .milliseconds(cluster.playoutDelayMilliseconds),
            maxUncommittedBytes: min(4 << 20, Int(Config(id: member.raftID).maxUncommittedEntriesSize / 4)),
            library: cluster.mediaDirectory.map(MediaLibrary.init(directory:))
        ) { message in ingestLogger.info("\(message)") }
        ingestLogger[metadataKey: "component"] = "ingest"
    }

    /// Starts the loop thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "raft-loop"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Hands a message from a peer to the loop (any thread; never blocks for long).
    public func deliver(_ message: Message) {
        condition.lock()
        inbox.messages.append(message)
        condition.signal()
        condition.unlock()
    }

    /// Proposes `data` and waits until it is applied on this node (the leader),
    /// refused, or `timeout` passes.
    public func propose(_ data: [UInt8], timeout: Duration) async -> ProposalOutcome {
        await withCheckedContinuation { continuation in
            let queued = QueuedProposal(data: data, deadline: clock.now + timeout) { continuation.resume(returning: $0) }
            condition.lock()
            let stopping = inbox.stopRequested
            if !stopping {
                inbox.proposals.append(queued)
                condition.signal()
            }
            condition.unlock()
            if stopping { continuation.resume(returning: .timedOut) }
        }
    }

    /// Starts (or resumes) ingesting `request` on this node, which must be the leader.
    public func startIngest(_ request: IngestRequest) async -> IngestStartResult {
        await withCheckedContinuation { continuation in
            condition.lock()
            let stopping = inbox.stopRequested
            if !stopping {
                inbox.ingests.append(QueuedIngest(request: request) { continuation.resume(returning: $0) })
                condition.signal()
            }
            condition.unlock()
            if stopping { continuation.resume(returning: .failed("the node is stopping")) }
        }
    }

    /// Registers `handler`, called on the Raft thread with every later batch of events (it must only
    /// enqueue, never block), and returns the state as of the last batch delivered before it, atomically:
    /// no event is missed or seen twice.
    public func subscribe(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (
        catalogue: Catalogue, leader: String?, term: UInt64
    ) {
        let subscription = addSubscriber(handler)
        return (subscription.catalogue, subscription.leader, subscription.term)
    }

    /// ``subscribe(_:)`` for a subscriber that leaves later: `token` is for ``removeSubscriber(_:)``.
    public func addSubscriber(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (
        token: UInt64, catalogue: Catalogue, leader: String?, term: UInt64
    ) {
        published.withLockedValue { p in
            p.nextSubscriber += 1
            p.subscribers[p.nextSubscriber] = handler
            return (p.nextSubscriber, p.catalogue, p.leader, p.status.term)
        }
    }

    /// Stops calling the subscriber registered with `token`.
    public func removeSubscriber(_ token: UInt64) {
        _ = published.withLockedValue { $0.subscribers.removeValue(forKey: token) }
    }

    /// The catalogue as of the last iteration.
    public var catalogue: Catalogue { published.withLockedValue { $0.catalogue } }

    /// This node's ingest status for `stream`, nil when it never ingested it.
    public func ingestStatus(of stream: StreamID) -> IngestStatus? {
        published.withLockedValue { $0.ingestStatuses[stream] }
    }

    /// The fragment record stored in the log entry at `logIndex` (any thread).
    /// - Throws: ``CatalogueFragmentStoreError`` when the entry is compacted or unreadable.
    public func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8] {
        let payload: [UInt8]
        do {
            payload = try CatalogueLogFragmentStore(storage: driver.storage).payload(atLogIndex: logIndex)
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
        condition.lock()
        if inbox.fatal == nil { inbox.fatal = .storage(error) }
        condition.signal()
        condition.unlock()
    }

    /// Asks the loop to stop after its current iteration (flushing storage).
    public func requestStop() {
        condition.lock()
        inbox.stopRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Returns once the loop thread has exited.
    public func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = published.withLockedValue { p -> Bool in
                if p.stopped { return true }
                p.stopWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The failure that stopped the loop, if any.
    public var failure: NodeDriverError? { published.withLockedValue { $0.failure } }

    /// The status report published after the last iteration.
    public var report: ClusterStatusReport { published.withLockedValue { $0.report } }

    /// The core's status after the last iteration.
    public var status: Status { published.withLockedValue { $0.status } }

    // MARK: - The loop thread

    private func run() {
        var nextTick = clock.now + tickInterval
        updateLogger(status: driver.raft.status)
        logger.info("raft loop started", metadata: ["applied": "\(driver.state.appliedIndex)"])
        var failure: NodeDriverError?
        loop: while true {
            condition.lock()
            while inbox.messages.isEmpty && inbox.proposals.isEmpty && inbox.ingests.isEmpty && !inbox.stopRequested
                && inbox.fatal == nil
            {
                let remaining = clock.now.duration(to: nextTick)
                if remaining <= .zero { break }
                let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            }
            let work = inbox
            inbox.messages = []
            inbox.proposals = []
            inbox.ingests = []
            condition.unlock()
            if let fatal = work.fatal {
                failure = fatal
                logger.critical("stopping: \(fatal)")
                break loop
            }
            if work.stopRequested { break loop }

            let now = clock.now
            for message in work.messages {
                lastContact[message.from] = now
                driver.step(message)
            }
            for proposal in work.proposals { propose(proposal, now: now) }
            if now >= nextTick {
                driver.tick()
                nextTick = nextTick + tickInterval
                // After a stall (e.g. a long fsync) do not fire a burst of ticks.
                if nextTick < now { nextTick = now + tickInterval }
            }
            do {
                while driver.hasReady { try handleReady() }
                for queued in work.ingests {
                    let result = startIngest(queued.request)
                    // Published before the caller hears the answer, so its next GET sees the session.
                    let statuses = ingest.statuses
                    published.withLockedValue { $0.ingestStatuses = statuses }
                    queued.completion(result)
                }
                if driveIngest() { while driver.hasReady { try handleReady() } }
                if logLossPending && driver.raft.pendingLogLoss == nil {
                    // Caught up, and the Readies that did it (entries, the vote for the leader) are durable.
                    try onLogLossRecovered?()
                    logLossPending = false
                    logger.notice("caught up past the entries the log had lost: votes again")
                }
            } catch let error as NodeDriverError {
                failure = error
                logger.critical("stopping: \(error)")
                break loop
            } catch {
                failure = .storage(.io("\(error)"))
                logger.critical("stopping: cannot remove the log-loss marker: \(error)")
                break loop
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
        if let failure { onFailure?(failure) }
        for proposal in pending.values { proposal.completion(.timedOut) }
        pending = [:]
        condition.lock()
        let leftover = inbox.proposals
        let leftoverIngests = inbox.ingests
        inbox.proposals = []
        inbox.ingests = []
        inbox.stopRequested = true
        condition.unlock()
        for proposal in leftover { proposal.completion(.timedOut) }
        for queued in leftoverIngests { queued.completion(.failed("the node is stopping")) }
        ingest.leadershipLost(leader: nil)
        logger.info("raft loop stopped", metadata: ["applied": "\(driver.state.appliedIndex)"])
        let waiters = published.withLockedValue { p -> [CheckedContinuation<Void, Never>] in
            p.stopped = true
            p.failure = failure
            defer { p.stopWaiters = [] }
            return p.stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func propose(_ proposal: QueuedProposal, now: ContinuousClock.Instant) {
        do {
            let index = try driver.propose(proposal.data)
            pending[index] = PendingProposal(
                term: driver.raft.term, proposed: now, deadline: proposal.deadline, completion: proposal.completion)
        } catch {
            switch error {
            case .notLeader(let leader):
                proposal.completion(.notLeader(leader: leader.flatMap { cluster.member(raftID: $0)?.id }))
            default:
                proposal.completion(.refused("\(error)"))
            }
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
        if !outcome.applied.isEmpty && !pending.isEmpty {
            let now = clock.now
            for entry in outcome.applied {
                guard let proposal = pending.removeValue(forKey: entry.index) else { continue }
                if entry.term == proposal.term {
                    metrics.commitLatency.record(proposal.proposed.duration(to: now))
                    proposal.completion(.applied(index: entry.index, term: entry.term))
                } else {
                    proposal.completion(.timedOut)
                }
            }
        }
    }

    private func softStateChanged(_ soft: SoftState) {
        let status = driver.raft.status
        updateLogger(status: status)
        if soft.role == .candidate { metrics.electionsStarted.increment() }
        let leaderLabel = soft.leader == .none ? "none" : cluster.member(raftID: soft.leader)?.id ?? "\(soft.leader)"
        logger.info("role or leader changed", metadata: ["leader": "\(leaderLabel)"])
        if soft.leader != .none && soft.leader != lastKnownLeader { metrics.leaderChanges.increment() }
        if soft.leader != .none { lastKnownLeader = soft.leader }
        if soft.role != .leader && !pending.isEmpty {
            for proposal in pending.values { proposal.completion(.timedOut) }
            pending = [:]
        }
        if soft.role != .leader {
            ingest.leadershipLost(leader: soft.leader == .none ? nil : soft.leader)
            leaderTermStart = nil
        } else if leaderTermStart == nil {
            leaderTermStart = driver.raft.status.lastIndex
        }
        let leaderName = soft.leader == .none ? nil : cluster.member(raftID: soft.leader)?.id
        events.append(.leaderChanged(leader: leaderName, term: driver.raft.term, isSelf: soft.role == .leader))
    }

    /// Feeds committed catalogue changes to the ingest sessions and the subscribers; removes the uploads of
    /// streams that ended, failed or were removed; logs a stream's failure.
    private func catalogueChanged(_ changes: [CatalogueChange]) {
        if ingest.isActive, let now = clusterTime.clusterNow() {
            ingest.applied(changes, catalogue: driver.catalogue, now: now)
        }
        for change in changes where change.event.changedCatalogue {
            events.append(.catalogue(change))
            if case let .streamFailed(id, index, reason) = change.event {
                logger.error("stream failed: its committed fragment breaks the catalogue's limits; it takes no more fragments", metadata: [
                    "stream": "\(id)", "fragment": "\(index)", "log_index": "\(change.logIndex)",
                    "reason": "\(reason)",
                ])
            }
            switch change.event {
            case .streamEnded(let id, _), .streamRemoved(let id), .streamFailed(let id, _, _):
                if let uploadDirectory {
                    let path = (uploadDirectory as NSString).appendingPathComponent("\(id).upload")
                    try? FileManager.default.removeItem(atPath: path)
                }
            default: break
            }
        }
    }

    private func startIngest(_ request: IngestRequest) -> IngestStartResult {
        guard driver.raft.role == .leader else {
            let leader = driver.raft.status.leader
            return .notLeader(leader: leader == .none ? nil : cluster.member(raftID: leader)?.id)
        }
        return ingest.start(request, catalogue: driver.catalogue)
    }

    /// Runs the leader's ingest sessions (and resumes library streams once this term's first entry is
    /// applied). Returns true when something was proposed.
    private func driveIngest() -> Bool {
        guard driver.raft.role == .leader, let now = clusterTime.clusterNow() else { return false }
        if let start = leaderTermStart, driver.state.appliedIndex >= start {
            ingest.resumeFromLibrary(catalogue: driver.catalogue)
        }
        guard ingest.isActive else { return false }
        var proposed = false
        ingest.pump(now: now) { payload in
            do throws(ProposalError) {
                let index = try driver.propose(payload)
                proposed = true
                return .success(index)
            } catch {
                return .failure(error)
            }
        }
        return proposed
    }

    private func updateLogger(status: Status) {
        logger[metadataKey: "term"] = "\(status.term)"
        logger[metadataKey: "role"] = "\(status.role)"
    }

    private func expireProposals(now: ContinuousClock.Instant) {
        guard !pending.isEmpty else { return }
        for (index, proposal) in pending where proposal.deadline <= now {
            pending.removeValue(forKey: index)
            proposal.completion(.timedOut)
        }
    }

    private func publish() {
        let status = driver.raft.status
        metrics.record(status: status)
        if status.term != published.withLockedValue({ $0.status.term }) { updateLogger(status: status) }
        let report = Self.makeReport(
            status: status, driver: driver, cluster: cluster, member: member, lastContact: lastContact, now: clock.now)
        let events = self.events
        self.events = []
        let catalogue = driver.catalogue
        let statuses = ingest.statuses
        let leader = status.leader == .none ? nil : cluster.member(raftID: status.leader)?.id
        let subscribers = published.withLockedValue { p in
            p.report = report
            p.status = status
            p.catalogue = catalogue
            p.ingestStatuses = statuses
            p.leader = leader
            return events.isEmpty ? [] : Array(p.subscribers.values)
        }
        // Delivered outside the lock: a subscriber resumes its consumer's task, whose cancellation
        // handler may be removing it (taking the lock) at that moment, and the two would wait on each
        // other. Taken with the state under one lock, the list still splits subscribers cleanly: one
        // registered before got the state before these events and gets them; one registered after got
        // the state after them and does not (publish runs only on the Raft thread). A subscriber
        // removed meanwhile may get this last call.
        for subscriber in subscribers { subscriber(events) }
    }

    static func makeReport(
        status: Status, driver: NodeDriver, cluster: ClusterConfig, member: ClusterConfig.Member,
        lastContact: [NodeID: ContinuousClock.Instant], now: ContinuousClock.Instant
    ) -> ClusterStatusReport {
        let leader = status.leader == .none ? nil : cluster.member(raftID: status.leader)
        var peers: [ClusterStatusReport.Peer] = []
        for (id, progress) in status.progress where id != status.id {
            let name = cluster.member(raftID: id)?.id ?? "\(id)"
            let contact = lastContact[id].map { last -> Int64 in
                let d = last.duration(to: now)
                return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            }
            peers.append(.init(id: name, matchIndex: progress.match, nextIndex: progress.next,
                               state: "\(progress.state)", lastContactMs: contact))
        }
        peers.sort { $0.id < $1.id }
        let hash = String(driver.state.rollingHash, radix: 16)
        return ClusterStatusReport(
            id: member.id, role: "\(status.role)", term: status.term, leader: leader?.id,
            leaderHTTP: leader.map { "\($0.http)" }, commitIndex: status.commit, appliedIndex: driver.state.appliedIndex,
            lastLogIndex: status.lastIndex, snapshotIndex: driver.snapshotIndex, appliedCount: driver.state.count,
            appliedHash: String(repeating: "0", count: 16 - hash.count) + hash, peers: peers)
    }
}
