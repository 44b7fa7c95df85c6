import Broadcast
import BroadcastTesting
import XCTest

final class ClockSyncFilterTests: XCTestCase {
    /// A sample from a server whose cluster time is local + `offset`, with one-way delays `out`/`back`.
    static func sample(at send: Duration, offset: Duration, out: Duration, back: Duration, turnaround: Duration = .zero)
        -> ClockSample
    {
        let received = send + out
        let answered = received + turnaround
        return ClockSample(
            clientSend: send, serverReceive: ClusterTime.zero + (received + offset),
            serverSend: ClusterTime.zero + (answered + offset), clientReceive: answered + back)
    }

    func testOffsetAndDelayFormulas() {
        // t0 = 10 s, t1 = 13.7 s + 1 ms, t2 = t1 + 0.5 ms, t3 = 10 s + 1 ms + 0.5 ms + 3 ms.
        let sample = Self.sample(
            at: .seconds(10), offset: .milliseconds(3700), out: .milliseconds(1), back: .milliseconds(3),
            turnaround: .microseconds(500))
        XCTAssertEqual(sample.delayNanoseconds, 4_000_000)
        // ((t1 − t0) + (t2 − t3)) / 2 = ((3701) + (3700.5 + ... )) : the true offset minus half the asymmetry.
        XCTAssertEqual(sample.offsetNanoseconds, 3_700_000_000 - 1_000_000, accuracy: 0.5)
        XCTAssertEqual(sample.midpoint, .seconds(10) + .microseconds(2250))
        XCTAssertTrue(sample.isConsistent)
    }

    func testInconsistentAndOutOfOrderSamplesAreRejected() {
        var filter = ClockSyncFilter()
        let backwards = ClockSample(
            clientSend: .seconds(2), serverReceive: ClusterTime(nanoseconds: 5), serverSend: ClusterTime(nanoseconds: 6),
            clientReceive: .seconds(1))
        XCTAssertFalse(filter.add(backwards))
        let turnaroundLongerThanTrip = ClockSample(
            clientSend: .seconds(1), serverReceive: .zero, serverSend: ClusterTime.zero + .seconds(1),
            clientReceive: .seconds(1) + .milliseconds(1))
        XCTAssertFalse(filter.add(turnaroundLongerThanTrip))
        XCTAssertTrue(filter.add(Self.sample(at: .seconds(5), offset: .seconds(1), out: .zero, back: .zero)))
        XCTAssertFalse(filter.add(Self.sample(at: .seconds(4), offset: .seconds(1), out: .zero, back: .zero)))
        XCTAssertEqual(filter.rejectedCount, 3)
        XCTAssertEqual(filter.samples.count, 1)
        XCTAssertEqual(filter.estimate?.offsetNanoseconds ?? .nan, 1e9, accuracy: 0.5)
    }

    func testLowDelaySamplesWinAndTheBoundCoversTheTruth() {
        var filter = ClockSyncFilter()
        let offset = Duration.milliseconds(250)
        // Alternate a clean 0.2 ms exchange with one whose reply queued 30 ms (biased by −15 ms).
        for index in 0..<8 {
            let back: Duration = index % 2 == 0 ? .microseconds(100) : .milliseconds(30)
            filter.add(Self.sample(at: .milliseconds(200 * index), offset: offset, out: .microseconds(100), back: back))
        }
        let estimate = try! XCTUnwrap(filter.estimate)
        XCTAssertEqual(filter.samples.last!.offsetNanoseconds, 250e6 - 14.95e6, accuracy: 1, "the newest is biased")
        // The biased replies do not pull the estimate: within 50 µs, and within the bound.
        let error = abs(estimate.offsetNanoseconds - 250e6)
        XCTAssertLessThan(error, 50_000)
        XCTAssertLessThanOrEqual(error, estimate.errorBoundNanoseconds)
        XCTAssertLessThanOrEqual(abs(estimate.driftPPM), estimate.driftUncertaintyPPM)
        // Never tighter than half the clean delay; the drift is still loose over 1.4 s, so age adds to it.
        XCTAssertGreaterThanOrEqual(estimate.errorBoundNanoseconds, 100_000)
        XCTAssertLessThan(estimate.errorBoundNanoseconds, 200_000)
    }

    /// Loopback-scale delays (issue 18): one exchange in four is clean (20 µs each way), the others waited
    /// 160 µs on the way out (+80 µs off, 200 µs delay). Weighing samples by their delay above the window's
    /// minimum puts the estimate near the clean ones; weighed almost alike (a floor of 100 × the minimum
    /// delay, as the fixed 0.5 ms floor did before), the estimate sits at the intersection's edge, 20 µs and
    /// more off.
    func testTheTightestSamplesOutweighAsymmetricOnesAtLoopbackScale() {
        func estimate(_ configuration: ClockSyncFilter.Configuration) -> ClockEstimate? {
            var filter = ClockSyncFilter(configuration: configuration)
            for index in 0..<40 {
                let out: Duration = index % 4 == 0 ? .microseconds(20) : .microseconds(180)
                filter.add(Self.sample(at: .milliseconds(250 * index), offset: .seconds(1), out: out, back: .microseconds(20)))
            }
            XCTAssertEqual(filter.samples.last!.offsetNanoseconds, 1e9 + 80_000, accuracy: 1, "the newest is biased")
            return filter.estimate
        }
        let tight = try! XCTUnwrap(estimate(.init()))
        let error = abs(tight.offsetNanoseconds - 1e9)
        XCTAssertLessThan(error, 12_000, "\(error) ns")
        XCTAssertLessThanOrEqual(error, tight.errorBoundNanoseconds)
        XCTAssertLessThan(abs(tight.driftPPM), 2)
        let even = try! XCTUnwrap(estimate(.init(weightFloorFraction: 100)))
        XCTAssertGreaterThan(abs(even.offsetNanoseconds - 1e9), 20_000)
    }

    /// Before the drift is measured (the first second: where a playhead placed as the cluster comes up
    /// stays), the point is the samples' weighted mean: three clean 40-µs exchanges 200 ms apart, then one
    /// whose reply queued 260 µs (+130 µs biased). The intersection is [−20, +122] µs (the older samples
    /// widen by 500 ppm × age): its middle, the estimate before, was 50 µs off; the weighted mean is
    /// within 10 µs. With a typical drift of 5000 ppm (older samples worth nothing) it follows the newest
    /// sample to the intersection's edge.
    func testBeforeTheDriftIsMeasuredTheQuickestRecentSamplesWin() {
        func estimate(_ configuration: ClockSyncFilter.Configuration) -> ClockEstimate? {
            var filter = ClockSyncFilter(configuration: configuration)
            for index in 0..<3 {
                filter.add(
                    Self.sample(at: .milliseconds(200 * index), offset: .seconds(2), out: .microseconds(20), back: .microseconds(20)))
            }
            filter.add(Self.sample(at: .milliseconds(600), offset: .seconds(2), out: .microseconds(280), back: .microseconds(20)))
            XCTAssertEqual(filter.samples.last!.offsetNanoseconds, 2e9 + 130_000, accuracy: 1, "the newest is biased")
            XCTAssertEqual(filter.estimate?.driftIsMeasured, false)
            return filter.estimate
        }
        let weighted = try! XCTUnwrap(estimate(.init()))
        let error = abs(weighted.offsetNanoseconds - 2e9)
        XCTAssertLessThan(error, 10_000, "\(error) ns")
        XCTAssertLessThanOrEqual(error, weighted.errorBoundNanoseconds)
        let middle = try! XCTUnwrap(estimate(.init(typicalDriftPPM: 5000)))
        XCTAssertGreaterThan(abs(middle.offsetNanoseconds - 2e9), 40_000)
    }

    /// The weights' floor keeps them finite when the minimum delay is 0 (exact exchanges): the estimate is exact.
    func testZeroDelaysKeepTheWeightsFinite() {
        var filter = ClockSyncFilter()
        for index in 0..<20 {
            filter.add(Self.sample(at: .milliseconds(200 * index), offset: .seconds(3), out: .zero, back: .zero))
        }
        let estimate = try! XCTUnwrap(filter.estimate)
        XCTAssertEqual(estimate.offsetNanoseconds, 3e9, accuracy: 1)
        XCTAssertEqual(estimate.driftPPM, 0, accuracy: 1e-6)
        XCTAssertTrue(estimate.driftIsMeasured)
    }

    func testTheBoundCoversAConstantAsymmetry() {
        var filter = ClockSyncFilter()
        // 1.9 ms out, 0.1 ms back: every sample is 0.9 ms off, and says so through its delay.
        for index in 0..<30 {
            filter.add(
                Self.sample(at: .milliseconds(500 * index), offset: .seconds(-2), out: .microseconds(1900), back: .microseconds(100)))
        }
        let estimate = try! XCTUnwrap(filter.estimate)
        XCTAssertEqual(estimate.offsetNanoseconds, -2e9 + 0.9e6, accuracy: 1)
        XCTAssertLessThanOrEqual(0.9e6, estimate.errorBoundNanoseconds)
        XCTAssertLessThan(estimate.errorBoundNanoseconds, 1.1e6)
    }

    func testDriftIsFittedAndExtrapolated() {
        var filter = ClockSyncFilter()
        // Cluster time runs 80 ppm faster than the local clock; samples every second for 20 s.
        for second in 0..<20 {
            let send = Duration.seconds(100 + second)
            let offset = Duration.milliseconds(-40) + .nanoseconds(Int64(80e-6 * Double(second) * 1e9))
            filter.add(Self.sample(at: send, offset: offset, out: .microseconds(300), back: .microseconds(300)))
        }
        let estimate = try! XCTUnwrap(filter.estimate)
        XCTAssertTrue(estimate.driftIsMeasured)
        XCTAssertEqual(estimate.driftPPM, 80, accuracy: 0.1)
        // 10 s after the last sample the offset has moved on by 0.8 ms.
        let later = estimate.reference + .seconds(10)
        XCTAssertEqual(estimate.offsetNanoseconds(at: later), -40e6 + 80e-6 * 29.0003e9, accuracy: 1_000)
        XCTAssertGreaterThan(estimate.errorBound(at: later), estimate.errorBound(at: estimate.reference))
    }

    func testResetKeepsTheDriftAsAPrior() {
        var filter = ClockSyncFilter()
        for second in 0..<30 {
            let offset = Duration.nanoseconds(Int64(-60e-6 * Double(second) * 1e9))
            filter.add(Self.sample(at: .seconds(second), offset: offset, out: .microseconds(200), back: .microseconds(200)))
        }
        XCTAssertEqual(filter.estimate?.driftPPM ?? .nan, -60, accuracy: 0.1)
        filter.reset()
        XCTAssertNil(filter.estimate)
        XCTAssertTrue(filter.samples.isEmpty)
        filter.add(Self.sample(at: .seconds(31), offset: .seconds(2), out: .microseconds(200), back: .microseconds(200)))
        let estimate = try! XCTUnwrap(filter.estimate)
        XCTAssertEqual(estimate.sampleCount, 1)
        XCTAssertEqual(estimate.driftPPM, -60, accuracy: 0.1, "the prior")
        XCTAssertFalse(estimate.driftIsMeasured)
        XCTAssertEqual(estimate.offsetNanoseconds, 2e9, accuracy: 1)
    }

    func testAFitThatDisagreesWithThePriorReplacesIt() {
        var filter = ClockSyncFilter()
        for second in 0..<30 {
            let offset = Duration.nanoseconds(Int64(-60e-6 * Double(second) * 1e9))
            filter.add(Self.sample(at: .seconds(second), offset: offset, out: .microseconds(200), back: .microseconds(200)))
        }
        filter.reset()
        // The new server runs 150 ppm faster than the old prior says.
        for second in 0..<6 {
            let offset = Duration.nanoseconds(Int64(90e-6 * Double(second) * 1e9))
            filter.add(Self.sample(at: .seconds(40 + second), offset: offset, out: .microseconds(200), back: .microseconds(200)))
        }
        XCTAssertEqual(filter.estimate?.driftIsMeasured, true)
        XCTAssertEqual(filter.estimate?.driftPPM ?? .nan, 90, accuracy: 0.1)
    }
}
