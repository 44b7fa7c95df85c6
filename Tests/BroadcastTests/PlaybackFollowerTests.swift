import Audio
import Broadcast
import Foundation
import Media
import XCTest

/// The engine on a follower, whose cluster time is its local clock mapped through clock sync.
final class PlaybackFollowerTests: XCTestCase {
    /// A follower whose monotonic clock is 3.7 s ahead of cluster time, synchronized by three
    /// exchanges (1 ms round trips): it converts the scheduler's cluster-time waits to its own
    /// clock and back, plays exactly the reference with the first sample at the stream's cluster
    /// start, and logs its clock's error bound with every record.
    func testAFollowerPlaysOnTheClusterTimelineThroughItsClockMap() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let clock = ManualClock(start: .seconds(100))
        let offset = Duration.seconds(-3.7)  // cluster = local − 3.7 s
        var clusterClock = ClusterClock()
        for step in 0..<3 {
            let send = clock.now + .milliseconds(200 * step)
            let server = ClusterTime.zero + (send + .microseconds(500) + offset)
            clusterClock.add(
                ClockSample(clientSend: send, serverReceive: server, serverSend: server, clientReceive: send + .milliseconds(1)))
        }
        XCTAssertTrue(clusterClock.isSynchronized)
        clock.advance(by: .seconds(1))
        let directory = PlaybackMedia.scratch("follower-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = MemorySink()
        let engine = try PlaybackEngine(
            sink: sink, clock: clock, clusterClock: clusterClock, playLogDirectory: directory,
            configuration: .init(node: "n2"))
        let clusterNow = try XCTUnwrap(clusterClock.clusterTime(at: clock.now))
        XCTAssertEqual(Double((clusterNow - (ClusterTime.zero + (clock.now + offset))).wholeNanosecondsForFollowerTest), 0, accuracy: 1_000)
        let timeline = StreamTimeline(start: clusterNow + .seconds(2), sampleRate: 48_000)
        try engine.streamStarted(header: media.header, timeline: timeline, streamID: 0x51)
        for (index, fragment) in media.fragments.enumerated() {
            engine.fragmentCommitted(streamID: 0x51, index: index, fragment: fragment)
        }
        engine.streamEnded(streamID: 0x51, fragmentCount: media.fragments.count)
        let local = try XCTUnwrap(clusterClock.localTime(at: timeline.start))
        XCTAssertEqual(
            Double((engine.status.clockOffsetNanoseconds ?? 0) - offset.wholeNanosecondsForFollowerTest), 0, accuracy: 1_000)
        try engine.run(until: local + .seconds(21))

        XCTAssertEqual(sink.samples.count, 2_400 * 2 + media.reference.count)
        assertSamplesEqual(sink.samples.dropFirst(2_400 * 2), media.reference[...], "follower")
        XCTAssertEqual(engine.status.driftCorrectionFrames, 0)
        XCTAssertEqual(engine.status.hardResyncs, 0)
        let records = try PlayLog.read(path: directory + "/" + PlayLog.fileName)
        XCTAssertEqual(records.count, media.fragments.count)
        for record in records {
            let due = timeline.clusterTime(ofSample: record.fragmentFirstSample)
            XCTAssertEqual(Double(record.heardAt.nanoseconds - due.nanoseconds), 0, accuracy: 1_000, "fragment \(record.fragment)")
            XCTAssertGreaterThan(record.clockErrorBoundNanoseconds, 0, "a follower's clock has an error bound")
            XCTAssertEqual(record.node, "n2")
        }
    }
}

extension Duration {
    fileprivate var wholeNanosecondsForFollowerTest: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
