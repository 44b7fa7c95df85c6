/// The filter's view of how cluster time relates to this node's monotonic clock:
/// `cluster(t) = t + offset + drift · (t − reference)`, with an error bound that grows with the time
/// since the last sample.
public struct ClockEstimate: Hashable, Sendable {
    /// The local instant the offset refers to (the newest sample's midpoint).
    public var reference: Duration
    /// Cluster time minus local time at ``reference``, in nanoseconds.
    public var offsetNanoseconds: Double
    /// How much faster cluster time runs than the local clock, in parts per million.
    public var driftPPM: Double
    /// Whether ``driftPPM`` was fitted from samples (false: a prior or 0).
    public var driftIsMeasured: Bool
    /// The largest error in ``driftPPM`` the filter allows for, in ppm.
    public var driftUncertaintyPPM: Double
    /// The largest error of the offset at ``reference``, in nanoseconds.
    public var errorBoundNanoseconds: Double
    /// Samples the estimate rests on (since the last reset).
    public var sampleCount: Int

    /// Cluster time minus local time at local instant `local`, in nanoseconds.
    public func offsetNanoseconds(at local: Duration) -> Double {
        offsetNanoseconds + driftPPM * 1e-6 * (local - reference).nanosecondsValue
    }

    /// The estimated cluster time at local instant `local`.
    public func clusterTime(at local: Duration) -> ClusterTime {
        ClusterTime(nanoseconds: local.wholeNanoseconds.saturatingAdding(Int64(saturating: offsetNanoseconds(at: local).rounded())))
    }

    /// The error bound at local instant `local`: the bound at ``reference`` plus the drift uncertainty
    /// over the time between them.
    public func errorBound(at local: Duration) -> Duration {
        let age = abs((local - reference).nanosecondsValue)
        return .nanoseconds(rounding: errorBoundNanoseconds + driftUncertaintyPPM * 1e-6 * age)
    }
}
