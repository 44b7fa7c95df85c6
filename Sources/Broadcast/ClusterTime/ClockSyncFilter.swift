/// Turns a stream of ``ClockSample``s into a ``ClockEstimate``: offset, drift and an error bound.
///
/// With one-way delays that are never negative, a sample pins the true offset to `offset ± delay / 2`
/// (plus the server's own bound); carried to another instant with the drift it widens by the drift
/// uncertainty times the age. The filter intersects those intervals (Marzullo's idea, here with
/// honest intervals): low-delay samples make them narrow, delay spikes make them wide and harmless.
/// The point estimates come from a weighted least-squares line through the window (up to
/// ``Configuration/windowSize`` samples and ``Configuration/windowDuration``; weight
/// `1 / ((delay − minimum delay) / 2 + floor)²`, the floor a fraction of the window's minimum delay: what an
/// exchange waited beyond the quickest one is where its asymmetry comes from, so the quickest count most and
/// delay spikes hardly at all, at LAN and at loopback scale); the intervals keep them honest:
/// - **Drift**: each pair of samples at least ``Configuration/minimumPairSpacing`` apart bounds it to
///   `slope ± (delay₁ + delay₂) / 2 / Δt`; the line's slope is kept inside the intersection, whose
///   far end gives the uncertainty. If the intervals do not meet (the drift wandered), a Theil–Sen
///   fit (median of pairwise slopes). Before the samples span ``Configuration/minimumDriftSpan``
///   the drift is 0 ± the maximum (or the prior).
/// - **Offset**: every sample, carried to the newest sample's midpoint, bounds it; the line's value
///   there is kept inside the intersection (before the drift is measured, the samples' weighted mean,
///   older ones counting less by ``Configuration/typicalDriftPPM``), and the bound
///   is the distance to the far end. If they do not meet, the median of the three tightest samples,
///   bounded by the widest of them.
/// - **Reset** (leader change): samples are dropped, but the drift is kept as a prior (its uncertainty
///   doubled, for the new leader's own error), because the new leader serves the same timeline at the
///   rate it estimated; fits are intersected with the prior, and replace it when the two disagree.
///
/// A pure value: no clock, no I/O. Samples whose timestamps cannot come from a real exchange, or that
/// are older than the newest one, are rejected.
public struct ClockSyncFilter: Sendable {
    /// Window sizes and limits.
    public struct Configuration: Hashable, Sendable {
        /// Samples kept for the drift fit.
        public var windowSize: Int
        /// Samples older than this before the newest are dropped.
        public var windowDuration: Duration
        /// The shortest span of samples a drift is fitted over.
        public var minimumDriftSpan: Duration
        /// Pairs of samples closer together than this are left out of the fit (their slope is noise).
        public var minimumPairSpacing: Duration
        /// The largest drift believed, in ppm: fits are clamped to it, and it is the uncertainty before
        /// any fit or prior (quartz is within ±100 ppm; two clocks within ±200).
        public var maximumDriftPPM: Double
        /// The smallest uncertainty a fitted drift is given, in ppm (wander between fits).
        public var driftUncertaintyFloorPPM: Double
        /// The fit weighs a sample by `1 / ((delay − minimum delay) / 2 + floor)²`, the floor being this
        /// fraction of the window's minimum delay (the error a minimum-delay sample may still have)…
        public var weightFloorFraction: Double
        /// …and at least this (timestamps are not exact either).
        public var weightFloorMinimum: Duration
        /// Before the drift is measured, the drift two clocks typically have, in ppm (not the largest:
        /// ``maximumDriftPPM`` keeps bounding). The point estimate then weighs each sample, carried to the
        /// newest at the prior drift, by `1 / (spread² + (this × age)²)`: the quickest of the last few
        /// exchanges counts most, an older one less as the drift it cannot know yet adds up.
        public var typicalDriftPPM: Double

        /// Defaults: 64 samples / 120 s window, drift from pairs 0.5 s apart once samples span 1 s, ±500 ppm,
        /// weights' floor half the minimum delay, at least 5 µs, a typical drift of 50 ppm.
        public init(
            windowSize: Int = 64, windowDuration: Duration = .seconds(120),
            minimumDriftSpan: Duration = .seconds(1), minimumPairSpacing: Duration = .milliseconds(500),
            maximumDriftPPM: Double = 500, driftUncertaintyFloorPPM: Double = 1,
            weightFloorFraction: Double = 0.5, weightFloorMinimum: Duration = .microseconds(5),
            typicalDriftPPM: Double = 50
        ) {
            self.typicalDriftPPM = max(typicalDriftPPM, 0)
            self.windowSize = max(windowSize, 4)
            self.windowDuration = windowDuration
            self.minimumDriftSpan = minimumDriftSpan
            self.minimumPairSpacing = minimumPairSpacing
            self.maximumDriftPPM = maximumDriftPPM
            self.driftUncertaintyFloorPPM = driftUncertaintyFloorPPM
            self.weightFloorFraction = max(weightFloorFraction, 0)
            self.weightFloorMinimum = max(weightFloorMinimum, .nanoseconds(1))
        }
    }

    /// A drift in ppm and the interval the true drift is known to lie in.
    struct DriftInterval: Hashable, Sendable {
        var ppm: Double
        var low: Double
        var high: Double

        /// How far the true drift may be from ``ppm``.
        var uncertaintyPPM: Double { max(ppm - low, high - ppm) }

        /// `ppm ± uncertainty`.
        init(ppm: Double, uncertaintyPPM: Double) {
            self.init(ppm: ppm, low: ppm - uncertaintyPPM, high: ppm + uncertaintyPPM)
        }

        /// `ppm` moved into `low...high`.
        init(ppm: Double, low: Double, high: Double) {
            self.ppm = min(max(ppm, low), high)
            self.low = low
            self.high = high
        }

        /// The part both intervals allow, keeping this point estimate (moved inside); nil if they do not meet.
        func intersected(with other: DriftInterval) -> DriftInterval? {
            let low = max(low, other.low)
            let high = min(high, other.high)
            return low <= high ? DriftInterval(ppm: ppm, low: low, high: high) : nil
        }
    }

    /// Window sizes and limits.
    public let configuration: Configuration
    /// The samples in the window, oldest first.
    public private(set) var samples: [ClockSample] = []
    /// The current estimate; nil before the first sample (and after ``reset()``).
    public private(set) var estimate: ClockEstimate?
    /// Samples accepted since the last reset.
    public private(set) var acceptedSinceReset = 0
    /// Samples rejected (inconsistent timestamps, or older than the newest), ever.
    public private(set) var rejectedCount = 0
    private var prior: DriftInterval?

    /// An empty filter.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Adds a sample and updates ``estimate``. Returns false (and changes nothing but
    /// ``rejectedCount``) when the sample is rejected.
    @discardableResult
    public mutating func add(_ sample: ClockSample) -> Bool {
        guard sample.isConsistent, samples.last.map({ sample.midpoint > $0.midpoint }) ?? true else {
            rejectedCount += 1
            return false
        }
        samples.append(sample)
        let oldest = sample.midpoint - configuration.windowDuration
        let excess = samples.count - configuration.windowSize
        if excess > 0 { samples.removeFirst(excess) }
        if let firstKept = samples.firstIndex(where: { $0.midpoint >= oldest }), firstKept > 0 {
            samples.removeFirst(firstKept)
        }
        acceptedSinceReset += 1
        estimate = computeEstimate()
        return true
    }

    /// Forgets every sample (the server changed: a new leader). The drift is kept as a prior.
    public mutating func reset() {
        if let estimate {
            prior = DriftInterval(ppm: estimate.driftPPM, uncertaintyPPM: estimate.driftUncertaintyPPM)
        }
        samples = []
        estimate = nil
        acceptedSinceReset = 0
    }

    private func computeEstimate() -> ClockEstimate? {
        guard let newest = samples.last else { return nil }
        let reference = newest.midpoint
        let limit = configuration.maximumDriftPPM
        var drift = DriftInterval(ppm: 0, uncertaintyPPM: limit)
        var measured = false
        if let prior {
            // The new server serves the same timeline at the rate it estimated: allow for its error too.
            drift = DriftInterval(ppm: prior.ppm, uncertaintyPPM: min(2 * prior.uncertaintyPPM, limit))
        }
        let line = weightedFit(reference: reference)
        if let fit = fitDrift(pointPPM: line?.slopePPM) {
            measured = true
            drift = fit.intersected(with: drift) ?? fit
        }
        let driftUncertainty = max(drift.uncertaintyPPM, measured ? configuration.driftUncertaintyFloorPPM : 0)
        // Every sample, carried to the reference, bounds the offset; intersect the bounds.
        var projected: [(offset: Double, bound: Double)] = []
        var low = -Double.infinity
        var high = Double.infinity
        for sample in samples {
            let age = (reference - sample.midpoint).nanosecondsValue
            let offset = sample.offsetNanoseconds + drift.ppm * 1e-6 * age
            let bound =
                Double(sample.delayNanoseconds) / 2 + sample.serverErrorBound.nanosecondsValue
                + driftUncertainty * 1e-6 * abs(age)
            projected.append((offset, bound))
            low = max(low, offset - bound)
            high = min(high, offset + bound)
        }
        let offset: Double
        let bound: Double
        if low <= high {
            // The weighted fit's value (when the drift is measured; before, the weighted mean of the
            // carried offsets), kept inside the intersection.
            let point =
                measured
                ? (line?.offsetAtReference ?? (low + high) / 2)
                : (weightedMean(of: projected.map(\.offset), reference: reference) ?? (low + high) / 2)
            offset = min(max(point, low), high)
            bound = max(offset - low, high - offset)
        } else {
            // The bounds do not meet (the drift wandered, or a delay was negative): fall back to the
            // median of the three tightest samples.
            let tightest = projected.sorted { $0.bound < $1.bound }.prefix(3)
            offset = Self.median(tightest.map(\.offset))
            bound = tightest.map(\.bound).max() ?? 0
        }
        return ClockEstimate(
            reference: reference, offsetNanoseconds: offset, driftPPM: drift.ppm, driftIsMeasured: measured,
            driftUncertaintyPPM: driftUncertainty, errorBoundNanoseconds: bound, sampleCount: acceptedSinceReset)
    }

    /// The drift, once the samples span ``Configuration/minimumDriftSpan``. Each pair of samples at
    /// least ``Configuration/minimumPairSpacing`` apart bounds it to `slope ± (delay₁ + delay₂) / 2 / Δt`;
    /// the intersection of those intervals (cut to ±``Configuration/maximumDriftPPM``) is where the
    /// true drift lies. The point estimate (`pointPPM`, the weighted fit's slope) is moved into it.
    /// When the intervals do not meet (the drift wandered), the Theil–Sen fit alone, with
    /// `2 × largest residual / span` as its uncertainty.
    private func fitDrift(pointPPM: Double?) -> DriftInterval? {
        guard samples.count >= 2, let first = samples.first, let last = samples.last,
            last.midpoint - first.midpoint >= configuration.minimumDriftSpan
        else { return nil }
        let spacing = configuration.minimumPairSpacing.nanosecondsValue
        let times = samples.map { ($0.midpoint - first.midpoint).nanosecondsValue }
        let offsets = samples.map(\.offsetNanoseconds)
        let halfDelays = samples.map { Double($0.delayNanoseconds) / 2 }
        var low = -Double.infinity
        var high = Double.infinity
        var pairs = 0
        for i in 0..<samples.count {
            for j in (i + 1)..<samples.count where times[j] - times[i] >= spacing {
                let elapsed = times[j] - times[i]
                let slope = (offsets[j] - offsets[i]) / elapsed
                let width = (halfDelays[i] + halfDelays[j]) / elapsed
                low = max(low, slope - width)
                high = min(high, slope + width)
                pairs += 1
            }
        }
        guard pairs > 0 else { return nil }
        let limit = configuration.maximumDriftPPM
        guard low <= high else { return theilSenFit() }
        // Cut to what is believable; nothing believable left means the samples contradict the model.
        let lowPPM = max(low * 1e6, -limit)
        let highPPM = min(high * 1e6, limit)
        guard lowPPM <= highPPM else { return nil }
        return DriftInterval(ppm: pointPPM ?? (lowPPM + highPPM) / 2, low: lowPPM, high: highPPM)
    }

    /// A weighted least-squares line of offset against local time through the window, each sample
    /// weighted by `1 / ((delay − minimum delay) / 2 + floor)²`, `floor = max(minimum delay ×`
    /// ``Configuration/weightFloorFraction``, ``Configuration/weightFloorMinimum``)` (delay spikes count for
    /// almost nothing; equal delays count alike): its slope in ppm and its value at `reference`. Nil until
    /// the samples span ``Configuration/minimumDriftSpan``.
    private func weightedFit(reference: Duration) -> (slopePPM: Double, offsetAtReference: Double)? {
        guard samples.count >= 3, let first = samples.first, let last = samples.last,
            last.midpoint - first.midpoint >= configuration.minimumDriftSpan
        else { return nil }
        var sumWeights = 0.0
        var sumX = 0.0
        var sumY = 0.0
        let points = zip(samples, spreads()).map { sample, spread -> (x: Double, y: Double, weight: Double) in
            ((sample.midpoint - reference).nanosecondsValue, sample.offsetNanoseconds, 1 / (spread * spread))
        }
        for point in points {
            sumWeights += point.weight
            sumX += point.weight * point.x
            sumY += point.weight * point.y
        }
        let meanX = sumX / sumWeights
        let meanY = sumY / sumWeights
        var covariance = 0.0
        var variance = 0.0
        for point in points {
            covariance += point.weight * (point.x - meanX) * (point.y - meanY)
            variance += point.weight * (point.x - meanX) * (point.x - meanX)
        }
        guard variance > 0 else { return nil }
        let slope = covariance / variance
        return (slope * 1e6, meanY - slope * meanX)
    }

    /// Per sample, how far its offset may be from the truth by its delay alone: `(delay − minimum delay) / 2
    /// + floor` (``Configuration/weightFloorFraction``, ``Configuration/weightFloorMinimum``), in ns.
    private func spreads() -> [Double] {
        let minimumDelay = Double(samples.map(\.delayNanoseconds).min() ?? 0)
        let floor = max(minimumDelay * configuration.weightFloorFraction, configuration.weightFloorMinimum.nanosecondsValue)
        return samples.map { (Double($0.delayNanoseconds) - minimumDelay) / 2 + floor }
    }

    /// The offsets (one per sample, carried to `reference`) weighed by `1 / (spread² + (typical drift ×
    /// age)²)`; nil when there are none.
    private func weightedMean(of offsets: [Double], reference: Duration) -> Double? {
        var sumWeights = 0.0
        var sum = 0.0
        for ((sample, spread), offset) in zip(zip(samples, spreads()), offsets) {
            let wander = configuration.typicalDriftPPM * 1e-6 * (reference - sample.midpoint).nanosecondsValue
            let weight = 1 / (spread * spread + wander * wander)
            sumWeights += weight
            sum += weight * offset
        }
        return sumWeights > 0 ? sum / sumWeights : nil
    }

    /// A Theil–Sen fit (the median of pairwise slopes) through the lower-delay half of the window.
    private func theilSenFit() -> DriftInterval? {
        let good = Self.lowerDelayHalf(of: samples).sorted { $0.midpoint < $1.midpoint }
        guard let goodFirst = good.first, let goodLast = good.last else { return nil }
        let span = (goodLast.midpoint - goodFirst.midpoint).nanosecondsValue
        let spacing = configuration.minimumPairSpacing.nanosecondsValue
        let times = good.map { ($0.midpoint - goodFirst.midpoint).nanosecondsValue }
        let offsets = good.map(\.offsetNanoseconds)
        var slopes: [Double] = []
        for i in 0..<good.count {
            for j in (i + 1)..<good.count where times[j] - times[i] >= spacing {
                slopes.append((offsets[j] - offsets[i]) / (times[j] - times[i]))
            }
        }
        guard !slopes.isEmpty, span > 0 else { return nil }
        let limit = configuration.maximumDriftPPM
        let ppm = min(max(Self.median(slopes) * 1e6, -limit), limit)
        let intercept = Self.median(zip(times, offsets).map { $1 - ppm * 1e-6 * $0 })
        let largestResidual = zip(times, offsets).map { abs($1 - ppm * 1e-6 * $0 - intercept) }.max() ?? 0
        return DriftInterval(ppm: ppm, uncertaintyPPM: min(2 * largestResidual / span * 1e6, limit))
    }

    /// The half (rounded up, at least 3 when there are 3) of `samples` with the lowest delays.
    static func lowerDelayHalf(of samples: [ClockSample]) -> [ClockSample] {
        let keep = min(samples.count, max((samples.count + 1) / 2, 3))
        return Array(samples.sorted { $0.delayNanoseconds < $1.delayNanoseconds }.prefix(keep))
    }

    /// The median (mean of the middle two for an even count); 0 for no values.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
