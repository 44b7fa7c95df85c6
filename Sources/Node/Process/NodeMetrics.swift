import Broadcast
import Prometheus
import Synchronization
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
    let playbackPlaying: Gauge
    let playbackSyncError: Gauge
    let playbackBuffered: Gauge
    let playbackUnderruns: Counter
    let playbackHardResyncs: Counter
    let playbackDriftFrames: Counter
    let playbackStalledSamples: Counter
    /// Streams removed by this node's retention while it led (proposed and applied).
    let streamsRemoved: Counter
    /// HLS segments (init and media) this node remuxed from its log: cache misses of ``HLSSegmentCache``.
    let hlsSegmentsRemuxed: Counter
    /// HLS segment requests (init and media, GET and HEAD, 304s included) answered from a committed fragment.
    let hlsSegmentRequests: Counter
    /// The engine's counters at the last ``record(playback:)``: the Prometheus counters grow by the difference.
    private let lastPlayback = Mutex(PlaybackCounters())

    struct PlaybackCounters {
        var underruns = 0
        var hardResyncs = 0
        var driftFrames = 0
        var stalledSamples: Int64 = 0
    }

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
        playbackPlaying = registry.makeGauge(descriptor: Self.named("raftcast_playback_playing", "1 while this node's engine plays a stream"))
        playbackSyncError = registry.makeGauge(descriptor: Self.named("raftcast_playback_sync_error_seconds", "The last playout error against the cluster timeline (positive: late; 0 when not playing)"))
        playbackBuffered = registry.makeGauge(descriptor: Self.named("raftcast_playback_buffered_seconds", "Decoded audio waiting to be played"))
        playbackUnderruns = registry.makeCounter(descriptor: Self.named("raftcast_playback_underruns_total", "Times the device ran dry while playing"))
        playbackHardResyncs = registry.makeCounter(descriptor: Self.named("raftcast_playback_hard_resyncs_total", "Times the playhead was placed again because it was too far off"))
        playbackDriftFrames = registry.makeCounter(descriptor: Self.named("raftcast_playback_drift_correction_frames_total", "Audio frames inserted or dropped to follow the cluster clock"))
        playbackStalledSamples = registry.makeCounter(descriptor: Self.named("raftcast_playback_stalled_samples_total", "Samples of silence played because a fragment was not there in time"))
        streamsRemoved = registry.makeCounter(descriptor: Self.named("raftcast_streams_removed_total", "Finished streams removed by retention while this node led (removal proposed here and applied)"))
        hlsSegmentsRemuxed = registry.makeCounter(descriptor: Self.named("raftcast_hls_segments_remuxed_total", "HLS segments (init and media) remuxed from the log; a segment is remuxed once while it stays cached"))
        hlsSegmentRequests = registry.makeCounter(descriptor: Self.named("raftcast_hls_segment_requests_total", "HLS segment requests (init and media) answered from committed fragments, cached or remuxed"))
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

    /// Records what the playback engine reports (called before each scrape); nothing without an engine.
    public func record(playback status: PlaybackStatus?) {
        guard let status else {
            playbackPlaying.set(to: 0)
            return
        }
        playbackPlaying.set(to: status.state == .playing ? 1 : 0)
        playbackSyncError.set(to: Double(status.state == .playing ? status.syncErrorNanoseconds ?? 0 : 0) / 1e9)
        playbackBuffered.set(to: status.bufferedMilliseconds / 1000)
        let now = PlaybackCounters(
            underruns: status.underruns, hardResyncs: status.hardResyncs, driftFrames: status.driftCorrectionFrames,
            stalledSamples: status.stalledSamples)
        let last = lastPlayback.withLock { last in
            defer { last = now }
            return last
        }
        // The engine's counters only grow; a smaller value (a new engine) starts over from it.
        func grow(_ counter: Counter, _ now: Int64, _ last: Int64) {
            let delta = now >= last ? now - last : now
            if delta > 0 { counter.increment(by: delta) }
        }
        grow(playbackUnderruns, Int64(now.underruns), Int64(last.underruns))
        grow(playbackHardResyncs, Int64(now.hardResyncs), Int64(last.hardResyncs))
        grow(playbackDriftFrames, Int64(now.driftFrames), Int64(last.driftFrames))
        grow(playbackStalledSamples, now.stalledSamples, last.stalledSamples)
    }

    /// The exposition text.
    public func render() -> String { registry.emitToString() }
}
