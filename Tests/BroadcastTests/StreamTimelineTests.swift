import Broadcast
import BroadcastTesting
import XCTest

final class StreamTimelineTests: XCTestCase {
    func testSampleTimesAreExactAndRoundTrip() {
        let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 5_000_000_000), sampleRate: 48_000)
        XCTAssertEqual(timeline.clusterTime(ofSample: 0), ClusterTime(nanoseconds: 5_000_000_000))
        XCTAssertEqual(timeline.clusterTime(ofSample: 96_000), ClusterTime(nanoseconds: 7_000_000_000))
        XCTAssertEqual(timeline.clusterTime(ofSample: 1), ClusterTime(nanoseconds: 5_000_020_834), "rounded up")
        XCTAssertEqual(timeline.clusterTime(ofSample: -48_000), ClusterTime(nanoseconds: 4_000_000_000))
        // Ten billion samples (58 hours) do not overflow.
        XCTAssertEqual(
            timeline.clusterTime(ofSample: 10_000_000_000).nanoseconds, 5_000_000_000 + 208_333_333_333_334)
        for rate in [8_000, 44_100, 48_000, 96_000] {
            let timeline = StreamTimeline(start: ClusterTime(nanoseconds: -123_456_789), sampleRate: rate)
            for sample: Int64 in [-44_101, -1, 0, 1, 2, 441, 44_099, 44_100, 1_000_003, 9_999_999_999] {
                let time = timeline.clusterTime(ofSample: sample)
                XCTAssertEqual(timeline.sample(at: time), sample, "rate \(rate) sample \(sample)")
                XCTAssertEqual(timeline.sample(at: time - .nanoseconds(1)), sample - 1, "rate \(rate) sample \(sample)")
                XCTAssertEqual(timeline.nearestSample(at: time), sample)
            }
        }
    }

    func testNearestSampleRoundsHalfway() {
        let timeline = StreamTimeline(start: .zero, sampleRate: 1_000)
        XCTAssertEqual(timeline.sample(at: ClusterTime(nanoseconds: 1_600_000)), 1)
        XCTAssertEqual(timeline.nearestSample(at: ClusterTime(nanoseconds: 1_600_000)), 2)
        XCTAssertEqual(timeline.nearestSample(at: ClusterTime(nanoseconds: 1_499_999)), 1)
        XCTAssertEqual(timeline.nearestSample(at: ClusterTime(nanoseconds: -400_000)), 0)
        XCTAssertEqual(timeline.sample(at: ClusterTime(nanoseconds: -400_000)), -1)
        XCTAssertEqual(timeline.duration(ofSamples: 1_500), .milliseconds(1500))
    }
}
