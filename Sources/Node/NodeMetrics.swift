import Prometheus
import Raft

/// The node's Prometheus metrics (swift-prometheus registry, text format at
/// `GET /metrics`). Names are listed in docs/node.md.
public final class NodeMetrics: Sendable {
    /// The registry every metric lives in.
    public let registry: PrometheusCollectorRegistry
    let term: Gauge
    let role: Gauge
    let isLeader: Gauge
    let commitIndex: Gauge
    let appliedIndex: Gauge
    let applyLag: Gauge
    let electionsStarted: Counter
    let leaderChanges: Counter
    let replicatedBytes: Counter
    let sentMessages: Counter
    let snapshotsTaken: Counter
    let snapshotsInstalled: Counter
    let walSync: DurationHistogram
    let commitLatency: DurationHistogram
    let clockSynchronized: Gauge
    let clockTimekeeper: Gauge
    let clockOffset: Gauge
    let clockErrorBound: Gauge
    let clockSteps: Gauge
    let clockSamples: Gauge

    /// Buckets of the latency histograms: 0.1 ms … 5 s.
    public static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        term = registry.makeGauge(name: "raftcast_raft_term", help: "Current Raft term")
        role = registry.makeGauge(
            name: "raftcast_raft_role", help: "Raft role: 0 follower, 1 pre-candidate, 2 candidate, 3 leader, 4 learner")
        isLeader = registry.makeGauge(name: "raftcast_raft_is_leader", help: "1 when this node is the leader")
        commitIndex = registry.makeGauge(name: "raftcast_raft_commit_index", help: "Highest log index known committed")
        appliedIndex = registry.makeGauge(name: "raftcast_raft_applied_index", help: "Highest log index applied")
        applyLag = registry.makeGauge(name: "raftcast_raft_apply_lag_entries", help: "Committed entries not yet applied")
        electionsStarted = registry.makeCounter(
            name: "raftcast_raft_elections_started_total", help: "Elections this node started (became candidate)")
        leaderChanges = registry.makeCounter(
            name: "raftcast_raft_leader_changes_total", help: "Times this node saw a new leader")
        replicatedBytes = registry.makeCounter(
            name: "raftcast_raft_replicated_bytes_total", help: "Entry and snapshot payload bytes sent to peers")
        sentMessages = registry.makeCounter(name: "raftcast_raft_sent_messages_total", help: "Raft messages sent to peers")
        snapshotsTaken = registry.makeCounter(name: "raftcast_snapshots_taken_total", help: "Snapshots of the applied state taken")
        snapshotsInstalled = registry.makeCounter(
            name: "raftcast_snapshots_installed_total", help: "Snapshots received from a leader and installed")
        walSync = registry.makeDurationHistogram(
            name: "raftcast_wal_sync_seconds", buckets: Self.latencyBuckets, help: "Duration of write-ahead log syncs")
        commitLatency = registry.makeDurationHistogram(
            name: "raftcast_commit_latency_seconds", buckets: Self.latencyBuckets,
            help: "Time from proposal to apply on the leader")
        clockSynchronized = registry.makeGauge(
            name: "raftcast_clock_synchronized", help: "1 when this node knows cluster time")
        clockTimekeeper = registry.makeGauge(
            name: "raftcast_clock_timekeeper", help: "1 when this node serves the cluster timeline (it leads)")
        clockOffset = registry.makeGauge(
            name: "raftcast_clock_offset_seconds", help: "Cluster time minus local monotonic time (0 while unsynchronized)")
        clockErrorBound = registry.makeGauge(
            name: "raftcast_clock_error_bound_seconds",
            help: "How far this node's cluster time may be from its server's (0 on the leader and while unsynchronized)")
        clockSteps = registry.makeGauge(
            name: "raftcast_clock_steps", help: "Times the cluster clock was stepped rather than slewed since start")
        clockSamples = registry.makeGauge(
            name: "raftcast_clock_accepted_samples", help: "Clock-sync samples accepted since start")
    }

    /// Records what one Ready did.
    func record(_ outcome: ReadyOutcome) {
        if let sync = outcome.syncDuration { walSync.record(sync) }
        if outcome.sentMessages > 0 { sentMessages.increment(by: Int64(outcome.sentMessages)) }
        if outcome.sentPayloadBytes > 0 { replicatedBytes.increment(by: Int64(outcome.sentPayloadBytes)) }
        if outcome.tookSnapshot != nil { snapshotsTaken.increment() }
        if outcome.installedSnapshot != nil { snapshotsInstalled.increment() }
    }

    /// Records the node's state after a loop iteration.
    func record(status: Status) {
        term.set(to: Double(status.term))
        role.set(to: Double(status.role.rawValue))
        isLeader.set(to: status.role == .leader ? 1 : 0)
        commitIndex.set(to: Double(status.commit))
        appliedIndex.set(to: Double(status.applied))
        applyLag.set(to: Double(status.commit - min(status.commit, status.applied)))
    }

    /// Records the clock-sync figures.
    func record(clock: ClockSyncStatus) {
        clockSynchronized.set(to: clock.synchronized ? 1 : 0)
        clockTimekeeper.set(to: clock.isTimekeeper ? 1 : 0)
        clockOffset.set(to: Double(clock.offsetNanoseconds ?? 0) / 1e9)
        clockErrorBound.set(to: Double(clock.errorBoundNanoseconds ?? 0) / 1e9)
        clockSteps.set(to: Double(clock.steps))
        clockSamples.set(to: Double(clock.acceptedSamples))
    }

    /// The exposition text.
    public func render() -> String { registry.emitToString() }
}
