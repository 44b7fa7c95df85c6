import Audio
import Broadcast
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Clock sync over the transport's control lane (docs/playback-sync.md §2, docs/node.md): the node's
/// ``ClusterTimeSource``.
///
/// A thin shell around ``ClockSyncClient``, which decides everything:
/// - each ``step()`` (when a probe is due, at once when leadership changed, at the latest every
///   ``pollInterval``) reads who leads from Raft, tells the client when that changed (follow the new leader and restart the burst; lead
///   and serve the timeline carried forward, or adopt it from a peer first), and sends the probe due;
/// - ``receive(_:from:arrivedAt:)`` (called by ``RaftService`` for control-lane payloads that start with
///   ``ClockSyncCodec/format``) answers probes with this node's cluster clock (any synchronized node
///   answers: a new leader without a timeline adopts one from a follower) and feeds responses to the
///   client, timestamped on arrival.
/// - As the transport's ``PayloadStamper`` (ClockSyncService+PayloadStamper.swift) it takes the exchange's
///   stamps where the bytes meet the socket: t0 and t2 rewritten right before the write, arrivals stamped
///   in `channelRead`.
///
/// Time comes from the injected monotonic clock; tests drive ``step()`` and ``receive(_:from:arrivedAt:)`` on
/// a `ManualClock`.
public final class ClockSyncService: ClusterClockSource, Service {
    /// Who leads, as Raft sees it.
    public struct Leadership: Hashable, Sendable {
        /// The leader's member id, nil when none is known.
        public var leader: String?
        /// Whether this node is the leader.
        public var isSelf: Bool

        /// A view of leadership.
        public init(leader: String?, isSelf: Bool) {
            self.leader = leader
            self.isSelf = isSelf
        }
    }

    /// Queues a payload for a peer on the control lane; true when the transport accepted it.
    public typealias Sender = @Sendable (_ peer: String, _ payload: ByteBuffer) -> Bool

    private struct State {
        var client: ClockSyncClient
        /// Who leads, as last told by ``leadershipChanged(_:)``.
        var told = Leadership(leader: nil, isSelf: false)
        /// Who leads, as the client was last told.
        var leadership: Leadership?
        var acceptedSamples = 0
        var answeredProbes = 0
        var reportedSteps = 0
        /// The other members' ids.
        var peers: [String]
    }

    /// This node's member id.
    public let node: String
    /// The other members' ids (the peers a new leader without a timeline adopts it from): the replicated
    /// member directory's, kept current by ``setPeers(_:)``.
    public var peers: [String] { state.withLock { $0.peers } }

    /// The other members' ids from now on (the node calls it when the member directory changes).
    public func setPeers(_ peers: [String]) {
        state.withLock { $0.peers = peers }
    }
    /// Local monotonic time, the clock's local side.
    public let localClock: any MonotonicClock
    /// The longest wait between two steps when no probe is due sooner (a leadership change wakes the
    /// service at once; the steps in between only refresh the metrics).
    public let pollInterval: Duration
    private let send: Sender
    private let metrics: NodeMetrics?
    private let logger: Logger
    private let state: Mutex<State>
    /// Cuts the run loop's sleep short when leadership changes.
    private let wakeup = AsyncWakeup()

    /// A service for member `node` among `peers`, sending through `send`; who leads comes from
    /// ``leadershipChanged(_:)`` (the node subscribes it to the Raft loop's leader events).
    public init(
        node: String, peers: [String], localClock: any MonotonicClock, pollInterval: Duration,
        client: ClockSyncClient = ClockSyncClient(), metrics: NodeMetrics? = nil, logger: Logger,
        send: @escaping Sender
    ) {
        self.node = node
        self.localClock = localClock
        self.pollInterval = pollInterval
        self.metrics = metrics
        self.logger = logger
        self.send = send
        state = Mutex(State(client: client, peers: peers))
    }

    // MARK: ClusterClockSource

    /// Cluster time now, nil while not synchronized.
    public func clusterNow() -> ClusterTime? {
        let local = localClock.now
        return state.withLock { $0.client.clock.clusterTime(at: local) }
    }

    /// The current cluster clock (its local side is ``localClock``).
    public var clusterClock: ClusterClock { state.withLock { $0.client.clock } }

    /// The clock's figures now.
    public var status: ClockSyncStatus {
        let local = localClock.now
        return state.withLock { state in
            let clock = state.client.clock
            let cluster = clock.clusterTime(at: local)?.nanoseconds
            return ClockSyncStatus(
                synchronized: clock.isSynchronized, isTimekeeper: clock.role == .leader && !state.client.isAdopting,
                server: state.client.server, localNanoseconds: local.wholeNanoseconds, clusterNanoseconds: cluster,
                offsetNanoseconds: cluster.map { $0 - local.wholeNanoseconds },
                errorBoundNanoseconds: clock.errorBound(at: local)?.wholeNanoseconds, steps: clock.stepCount,
                acceptedSamples: state.acceptedSamples, droppedResponses: state.client.droppedResponses,
                answeredProbes: state.answeredProbes)
        }
    }

    // MARK: Driving

    /// Who leads now (from the Raft loop's `leaderChanged` events, any thread); the next ``step()``
    /// hands a change to the client, and ``run()`` steps at once.
    public func leadershipChanged(_ leadership: Leadership) {
        let changed = state.withLock { state in
            defer { state.told = leadership }
            return state.told != leadership
        }
        if changed { wakeup.signal() }
    }

    /// Tells the client when leadership changed, sends the probe due, updates the metrics.
    /// - Returns: the local time of the next step.
    @discardableResult
    public func step() -> Duration {
        let now = localClock.now
        let (probe, next, change, rate) = state.withLock {
            state -> ((String, ClockSyncProbe)?, Duration, Leadership?, Double?) in
            var change: Leadership?
            let current = state.told
            if current != state.leadership {
                state.leadership = current
                state.client.leaderChanged(to: current.leader, isSelf: current.isSelf, at: now, peers: state.peers)
                change = current
            }
            // The rate a new leader serves the timeline at, against its own clock (ClusterClock.continuingRatePPM).
            let rate = change?.isSelf == true ? state.client.clock.ratePPM : nil
            let probe = state.client.probeIfDue(at: now)
            var next = now + pollInterval
            if state.client.server != nil || state.client.isAdopting, let due = state.client.schedule.nextProbe {
                next = min(next, max(due, now + .milliseconds(1)))
            }
            return (probe, next, change, rate)
        }
        if let change {
            var metadata: Logger.Metadata = ["leader": "\(change.leader ?? "none")", "self": "\(change.isSelf)"]
            if let rate { metadata["timeline_rate_ppm"] = "\((rate * 100).rounded() / 100)" }
            logger.info("clock sync: leader changed", metadata: metadata)
        }
        if let (server, probe) = probe {
            _ = send(server, ClockSyncCodec.encode(.probe(probe)))
        }
        if let metrics { metrics.record(clock: status) }
        return next
    }

    /// Cluster time at local monotonic instant `local`, nil while not synchronized.
    func clusterTime(at local: Duration) -> ClusterTime? {
        state.withLock { $0.client.clock.clusterTime(at: local) }
    }

    /// Handles one clock-sync payload from `peer` that arrived at local `arrivedAt` (the transport's stamp,
    /// ``stampIncoming(_:from:lane:)``; now when nil): answers a probe, or feeds a response to the client.
    /// Undecodable payloads are logged and dropped.
    public func receive(_ payload: ByteBuffer, from peer: String, arrivedAt: Duration? = nil) {
        let arrival = arrivedAt ?? localClock.now
        let message: ClockSyncMessage
        do {
            message = try ClockSyncCodec.decode(payload)
        } catch {
            logger.warning("dropped undecodable clock-sync message", metadata: ["from": "\(peer)", "reason": "\(error)"])
            return
        }
        switch message {
        case .probe(let probe):
            let response = state.withLock { state -> ClockSyncResponse? in
                let answer = state.client.clock.answer(probe, receivedAt: arrival, sentAt: localClock.now)
                if answer != nil { state.answeredProbes += 1 }
                return answer
            }
            if let response { _ = send(peer, ClockSyncCodec.encode(.response(response))) }
        case .response(let response):
            let update = state.withLock { state -> ClusterClock.Update? in
                let update = state.client.receive(response, from: peer, at: arrival)
                if let update, update != .rejected, update != .ignored { state.acceptedSamples += 1 }
                return update
            }
            switch update {
            case .started: logger.info("clock sync: synchronized", metadata: ["server": "\(peer)"])
            case .stepped(let step): logger.notice("clock sync: stepped", metadata: ["server": "\(peer)", "by": "\(step)"])
            default: break
            }
        }
    }

    /// Steps until graceful shutdown or cancellation.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let next = self.step()
                await self.wakeup.sleep(for: max(.zero, next - self.localClock.now))
            }
        }
    }
}
