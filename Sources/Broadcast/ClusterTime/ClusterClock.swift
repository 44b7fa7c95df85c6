/// This node's view of cluster time: a continuous, monotonic map from its local monotonic clock to
/// the cluster timeline, disciplined by a ``ClockSyncFilter`` and never stepped for small errors.
///
/// Cluster time is the clock of the node that led when the timeline began, carried forward
/// (docs/playback-sync.md):
/// - **Follower**: every sample updates the filter; the map is re-anchored where it stands (so it
///   never jumps), runs at the estimated drift, and slews toward the estimate at no more than
///   ``Configuration/maximumSlewPPM``. An error above ``Configuration/stepThreshold`` is stepped, once
///   the filter holds ``Configuration/samplesBeforeStep`` samples against the current server.
/// - **Leader**: the map continues from where it stands (``becomeLeader(at:)``) and is served to the
///   others, so a leader change does not move cluster time even when the machines' clocks disagree by
///   seconds. It runs on at the old leader's rate as far as the samples measured it
///   (``continuingRatePPM(_:)``): a drift they cannot tell from zero is not baked into the timeline.
///   Only a node that never had a timeline defines one (its own clock).
/// - **Leader change** (``followNewLeader()``): the filter restarts against the new server; until it
///   has samples the map keeps running on its last estimate (holdover).
public struct ClusterClock: Sendable {
    /// Slew and step limits, and the filter's configuration.
    public struct Configuration: Hashable, Sendable {
        /// The fastest rate at which a correction is applied, in ppm of elapsed time.
        public var maximumSlewPPM: Double
        /// Errors larger than this are stepped rather than slewed.
        public var stepThreshold: Duration
        /// Samples against the current server needed before a step is taken.
        public var samplesBeforeStep: Int
        /// Samples needed before the first map is made.
        public var samplesBeforeStart: Int
        /// The filter's windows.
        public var filter: ClockSyncFilter.Configuration

        /// Defaults: 500 ppm slew, steps above 20 ms after 5 samples, start after 3 samples.
        public init(
            maximumSlewPPM: Double = 500, stepThreshold: Duration = .milliseconds(20), samplesBeforeStep: Int = 5,
            samplesBeforeStart: Int = 3, filter: ClockSyncFilter.Configuration = .init()
        ) {
            self.maximumSlewPPM = maximumSlewPPM
            self.stepThreshold = stepThreshold
            self.samplesBeforeStep = samplesBeforeStep
            self.samplesBeforeStart = max(samplesBeforeStart, 1)
            self.filter = filter
        }
    }

    /// Whether this node serves its own map (leader) or follows a server.
    public enum Role: Hashable, Sendable {
        /// Disciplined by samples from a server.
        case follower
        /// Frozen and served to the others.
        case leader
    }

    /// What a sample did to the clock.
    public enum Update: Hashable, Sendable {
        /// The filter rejected the sample (inconsistent or out of order).
        case rejected
        /// A leader serves its own map and ignores samples.
        case ignored
        /// Not enough samples yet to start, or to confirm a step.
        case waiting
        /// The first map was made; cluster time is known from now on.
        case started
        /// The map now slews by this much (positive: the clock moves ahead).
        case slewing(Duration)
        /// The map was stepped by this much.
        case stepped(Duration)
    }

    /// What ``becomeLeader(at:)`` did.
    public enum Leadership: Hashable, Sendable {
        /// The existing timeline continues from this node's estimate.
        case continued
        /// No timeline existed here: this node's monotonic clock defines it.
        case defined
    }

    /// Slew and step limits.
    public let configuration: Configuration
    /// The filter fed by samples from the current server.
    public private(set) var filter: ClockSyncFilter
    /// Follower or leader.
    public private(set) var role: Role = .follower
    /// Steps taken (errors above the threshold), ever.
    public private(set) var stepCount = 0
    /// The error bound this node had when it became leader: how far the timeline may have moved at
    /// that handover. Nil until it leads with an inherited timeline.
    public private(set) var handoverErrorBound: Duration?
    private var mapping: ClockMapping?
    private var lastEstimate: ClockEstimate?

    /// A follower with no timeline yet.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        filter = ClockSyncFilter(configuration: configuration.filter)
    }

    /// How much faster cluster time runs here than the local monotonic clock, in ppm (the map's rate,
    /// not counting a slew in progress); nil before the first map.
    public var ratePPM: Double? { mapping?.ratePPM }

    /// Whether cluster time is known here.
    public var isSynchronized: Bool { mapping != nil }

    /// Cluster time at local monotonic instant `local`; nil before the first map.
    public func clusterTime(at local: Duration) -> ClusterTime? {
        mapping.map { ClusterTime(nanoseconds: Int64(saturating: $0.clusterNanoseconds(at: local).rounded())) }
    }

    /// The local monotonic instant at which cluster time reaches `time`; nil before the first map.
    public func localTime(at time: ClusterTime) -> Duration? {
        mapping?.localTime(atClusterNanoseconds: Double(time.nanoseconds))
    }

    /// How far ``clusterTime(at:)`` may be from the server's cluster time at `local`: the filter's bound
    /// (growing with the age of its newest sample) plus the part of the correction not yet slewed. For
    /// the leader, how far its timeline may be from the one it took over (``handoverErrorBound``; zero
    /// for the node that defined the timeline): followers' bounds include it through their samples, so
    /// their players do not chase the small step a leader change makes. Nil before the first map.
    public func errorBound(at local: Duration) -> Duration? {
        guard let mapping else { return nil }
        guard role == .follower else { return handoverErrorBound ?? .zero }
        let estimateBound = lastEstimate?.errorBound(at: local) ?? .zero
        return estimateBound + .nanoseconds(rounding: abs(mapping.unappliedSlewNanoseconds(at: local)))
    }

    /// Feeds one sample from the current server (the follower's discipline; see the type's notes).
    /// The map changes at the sample's receive time, continuously.
    @discardableResult
    public mutating func add(_ sample: ClockSample) -> Update {
        guard role == .follower else { return .ignored }
        guard filter.add(sample), let estimate = filter.estimate else { return .rejected }
        lastEstimate = estimate
        let now = sample.clientReceive
        let target = now.nanosecondsValue + estimate.offsetNanoseconds(at: now)
        guard let current = mapping else {
            guard estimate.sampleCount >= configuration.samplesBeforeStart else { return .waiting }
            mapping = ClockMapping(anchorLocal: now, anchorCluster: target, ratePPM: estimate.driftPPM)
            return .started
        }
        let shown = current.clusterNanoseconds(at: now)
        let error = target - shown
        if abs(error) > configuration.stepThreshold.nanosecondsValue {
            guard estimate.sampleCount >= configuration.samplesBeforeStep else { return .waiting }
            mapping = ClockMapping(anchorLocal: now, anchorCluster: target, ratePPM: estimate.driftPPM)
            stepCount += 1
            return .stepped(.nanoseconds(rounding: error))
        }
        mapping = ClockMapping(
            anchorLocal: now, anchorCluster: shown, ratePPM: estimate.driftPPM, slewNanoseconds: error,
            slewPPM: configuration.maximumSlewPPM)
        return .slewing(.nanoseconds(rounding: error))
    }

    /// This node now leads: it keeps serving the cluster time it tracks (from its value now, any slew
    /// in progress completing, at ``continuingRatePPM(_:)`` of its last estimate), or defines the
    /// timeline as its own clock if it never had one.
    @discardableResult
    public mutating func becomeLeader(at local: Duration) -> Leadership {
        defer { role = .leader }
        guard mapping != nil else {
            mapping = ClockMapping(anchorLocal: local, anchorCluster: local.nanosecondsValue, ratePPM: 0)
            return .defined
        }
        if role == .follower, let current = mapping {
            handoverErrorBound = errorBound(at: local)
            mapping = ClockMapping(
                anchorLocal: local, anchorCluster: current.clusterNanoseconds(at: local),
                ratePPM: Self.continuingRatePPM(lastEstimate), slewNanoseconds: current.unappliedSlewNanoseconds(at: local),
                slewPPM: current.slewPPM)
        }
        return .continued
    }

    /// The rate a new leader serves the timeline at, against its own clock: the drift its estimate
    /// measured, unless the samples cannot tell it from zero (`|driftPPM| ≤ driftUncertaintyPPM`),
    /// and then its own clock's rate (0). A drift the samples have measured (say 140 ± 5 ppm between
    /// two unsynchronised machines) is kept, so the timeline runs on at the old leader's rate; one they
    /// cannot tell from zero (a few seconds of jittery samples, or two processes on one machine:
    /// 30 ± 60 ppm) would otherwise be baked into the timeline for as long as this node leads, and
    /// every node whose clock agrees with this one would have to correct for it.
    static func continuingRatePPM(_ estimate: ClockEstimate?) -> Double {
        guard let estimate, abs(estimate.driftPPM) > max(estimate.driftUncertaintyPPM, 0) else { return 0 }
        return estimate.driftPPM
    }

    /// Another node leads (or the leader changed): the filter restarts against the new server, and
    /// the map runs on its last estimate until new samples arrive.
    public mutating func followNewLeader() {
        role = .follower
        filter.reset()
    }

    /// The answer to a probe received at local `receivedAt` and answered at `sentAt`; nil while this
    /// node has no cluster time to serve.
    public func answer(_ probe: ClockSyncProbe, receivedAt: Duration, sentAt: Duration) -> ClockSyncResponse? {
        guard let serverReceive = clusterTime(at: receivedAt), let serverSend = clusterTime(at: sentAt),
            let bound = errorBound(at: sentAt)
        else { return nil }
        return ClockSyncResponse(
            id: probe.id, clientSend: probe.clientSend, serverReceive: serverReceive, serverSend: serverSend,
            serverErrorBound: bound)
    }
}
