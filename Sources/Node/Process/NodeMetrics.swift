import Prometheus
import Raft
import RaftcastClient

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
    /// Always 1; its `version` label is the node's release.
    let buildInfo: Gauge

    /// Buckets of the latency histograms: 0.1 ms … 5 s.
    public static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    /// The descriptor of the metric `name` (its full Prometheus name) with `help`.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        term = registry.makeGauge(descriptor: Self.named("raftcast_raft_term", "Current Raft term"))
        role = registry.makeGauge(descriptor: Self.named("raftcast_raft_role", "Raft role: 0 follower, 1 pre-candidate, 2 candidate, 3 leader, 4 learner"))
        isLeader = registry.makeGauge(descriptor: Self.named("raftcast_raft_is_leader", "1 when this node is the leader"))
        commitIndex = registry.makeGauge(descriptor: Self.named("raftcast_raft_commit_index", "Highest log index known committed"))
        appliedIndex = registry.makeGauge(descriptor: Self.named("raftcast_raft_applied_index", "Highest log index applied"))
        applyLag = registry.makeGauge(descriptor: Self.named("raftcast_raft_apply_lag_entries", "Committed entries not yet applied"))
        electionsStarted = registry.makeCounter(descriptor: Self.named("raftcast_raft_elections_started_total", "Elections this node started (became candidate)"))
        leaderChanges = registry.makeCounter(descriptor: Self.named("raftcast_raft_leader_changes_total", "Times this node saw a new leader"))
        replicatedBytes = registry.makeCounter(descriptor: Self.named("raftcast_raft_replicated_bytes_total", "Entry and snapshot payload bytes sent to peers"))
        sentMessages = registry.makeCounter(descriptor: Self.named("raftcast_raft_sent_messages_total", "Raft messages sent to peers"))
        snapshotsTaken = registry.makeCounter(descriptor: Self.named("raftcast_snapshots_taken_total", "Snapshots of the applied state taken"))
        snapshotsInstalled = registry.makeCounter(descriptor: Self.named("raftcast_snapshots_installed_total", "Snapshots received from a leader and installed"))
        walSync = registry.makeDurationHistogram(descriptor: Self.named("raftcast_wal_sync_seconds", "Duration of write-ahead log syncs"), buckets: Self.latencyBuckets)
        commitLatency = registry.makeDurationHistogram(descriptor: Self.named("raftcast_commit_latency_seconds", "Time from proposal to apply on the leader"), buckets: Self.latencyBuckets)
        clockSynchronized = registry.makeGauge(descriptor: Self.named("raftcast_clock_synchronized", "1 when this node knows cluster time"))
        clockTimekeeper = registry.makeGauge(descriptor: Self.named("raftcast_clock_timekeeper", "1 when this node serves the cluster timeline (it leads)"))
        clockOffset = registry.makeGauge(descriptor: Self.named("raftcast_clock_offset_seconds", "Cluster time minus local monotonic time (0 while unsynchronized)"))
        clockErrorBound = registry.makeGauge(descriptor: Self.named("raftcast_clock_error_bound_seconds", "How far this node's cluster time may be from its server's (0 on the leader and while unsynchronized)"))
        clockSteps = registry.makeGauge(descriptor: Self.named("raftcast_clock_steps", "Times the cluster clock was stepped rather than slewed since start"))
        clockSamples = registry.makeGauge(descriptor: Self.named("raftcast_clock_accepted_samples", "Clock-sync samples accepted since start"))
        buildInfo = registry.makeGauge(
            descriptor: Self.named("raftcast_build_info", "Always 1; the label version is this node's release"),
            labels: [("version", RaftcastVersion.current)])
        buildInfo.set(to: 1)
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
