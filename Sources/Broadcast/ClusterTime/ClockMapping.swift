/// A continuous, increasing, piecewise-linear map from local monotonic time to cluster time:
///
/// ```
///  cluster(t) = anchorCluster + (t − anchorLocal) · (1 + rate) + slew(t − anchorLocal)
///  slew(d)    = sign(S) · min(|S|, slewRate · d)   for d ≥ 0, else 0
///
///  cluster ▲                      ╱ rate
///          │                 ╱╱╱╱   (slew done: S applied)
///          │          ╱╱╱╱╱╱  rate ± slewRate
///          │      ●╱╱         (while slewing)
///          │   anchor
///          └────────────────────────────▶ local
/// ```
/// Rates are given in ppm of elapsed time. Cluster nanoseconds are `Double`s: exact below 2⁵³ ns
/// (about 104 days), within a few nanoseconds beyond.
struct ClockMapping: Hashable, Sendable {
    var anchorLocal: Duration
    var anchorCluster: Double
    var ratePPM: Double
    var slewNanoseconds: Double = 0
    var slewPPM: Double = 0

    private var rate: Double { 1 + ratePPM * 1e-6 }
    private var slewRate: Double { slewNanoseconds == 0 || slewPPM <= 0 ? 0 : (slewNanoseconds < 0 ? -1 : 1) * slewPPM * 1e-6 }
    /// Local nanoseconds after the anchor at which the slew is complete.
    private var slewEnd: Double { slewRate == 0 ? 0 : abs(slewNanoseconds / slewRate) }

    /// Cluster nanoseconds at local instant `local`.
    func clusterNanoseconds(at local: Duration) -> Double {
        let elapsed = (local - anchorLocal).nanosecondsValue
        guard elapsed > 0 else { return anchorCluster + elapsed * rate }
        let applied = slewRate == 0 ? 0 : (elapsed >= slewEnd ? slewNanoseconds : slewRate * elapsed)
        return anchorCluster + elapsed * rate + applied
    }

    /// The part of the slew not yet applied at `local`.
    func unappliedSlewNanoseconds(at local: Duration) -> Double {
        guard slewRate != 0 else { return 0 }
        let elapsed = max((local - anchorLocal).nanosecondsValue, 0)
        return elapsed >= slewEnd ? 0 : slewNanoseconds - slewRate * elapsed
    }

    /// The local instant at which cluster time reaches `cluster` nanoseconds.
    func localTime(atClusterNanoseconds cluster: Double) -> Duration {
        let since = cluster - anchorCluster
        let elapsed: Double
        if since <= 0 || slewRate == 0 {
            elapsed = since / rate
        } else if since < slewEnd * (rate + slewRate) {
            elapsed = since / (rate + slewRate)
        } else {
            elapsed = (since - slewNanoseconds) / rate
        }
        return anchorLocal + .nanoseconds(rounding: elapsed)
    }
}
