import Audio
import Broadcast
import Foundation
import Media
import XCTest

/// The engine's play log and its status for `GET /v1/playback`.
final class PlaybackPlayLogTests: XCTestCase {
    private func temporaryDirectory() throws -> String {
        let path = PlaybackMedia.scratch("data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// One record per fragment, in order, each heard exactly at the timeline's time of the
    /// fragment's first sample (a perfect clock and device); the analysis finds no gap. Mid-stream,
    /// the status names the stream, fragment and position, and shows a bounded buffer, no error.
    func testOneRecordPerFragmentAtItsTimelineTimeAndASaneStatus() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let directory = try temporaryDirectory()
        let harness = try PlaybackHarness(media: media, sink: MemorySink(), startIn: .seconds(2), playLogDirectory: directory)
        XCTAssertEqual(harness.engine.status.state, .waiting)
        harness.deliver(media.fragments.indices)
        try harness.engine.run(until: harness.localTime(ofStreamSecond: 9.0))

        let status = harness.engine.status
        XCTAssertEqual(status.state, .playing)
        XCTAssertEqual(status.stream, 0x51)
        XCTAssertEqual(status.fragment, 4, "9 s is in fragment 4 (8.02 s – 10.03 s)")
        let position = try XCTUnwrap(status.positionSeconds)
        XCTAssertGreaterThanOrEqual(position, 9.0, "the next sample written is heard after now")
        XCTAssertLessThanOrEqual(position, 9.0 + 0.06, "no more than the device queue ahead")
        XCTAssertGreaterThan(status.bufferedMilliseconds, 900, "about a second decoded ahead")
        XCTAssertLessThan(status.bufferedMilliseconds, 1_000 + 2_100, "at most the decode horizon plus a fragment")
        XCTAssertLessThanOrEqual(status.queuedMilliseconds, 50)
        XCTAssertEqual(status.committedUndecodedFragments, media.fragments.count - 6, "fragments 0–5 decoded, no more")
        XCTAssertEqual(status.clockOffsetNanoseconds, 0, "this node defined the timeline")
        XCTAssertEqual(status.clockErrorBoundNanoseconds, 0)
        XCTAssertLessThanOrEqual(abs(try XCTUnwrap(status.syncErrorNanoseconds)), 20_834, "within one frame")
        XCTAssertEqual(status.underruns, 0)
        XCTAssertEqual(status.hardResyncs, 0)
        let json = try XCTUnwrap(String(data: try JSONEncoder().encode(status), encoding: .utf8))
        for key in ["\"stream\":\"0000000000000051\"", "\"fragment\":4", "\"position_seconds\":", "\"buffered_ms\":", "\"clock_offset_ns\":0",
            "\"sync_error_ns\":", "\"committed_undecoded_fragments\":", "\"underruns\":0", "\"hard_resyncs\":0"]
        {
            XCTAssertTrue(json.contains(key), "\(key) in \(json)")
        }

        try harness.engine.run(until: harness.afterTheEnd)
        XCTAssertEqual(harness.engine.status.state, .idle)
        let records = try PlayLog.read(path: directory + "/" + PlayLog.fileName)
        XCTAssertEqual(records.map(\.fragment), Array(media.fragments.indices))
        XCTAssertEqual(harness.engine.counters.playLogRecords, media.fragments.count)
        for record in records {
            let first = Int64(try harness.firstSample(ofFragment: record.fragment))
            XCTAssertEqual(record.node, "n1")
            XCTAssertEqual(record.stream, 0x51)
            XCTAssertEqual(record.fragmentFirstSample, first)
            XCTAssertEqual(record.firstPlayedSample, first)
            XCTAssertEqual(record.heardAt, harness.timeline.clusterTime(ofSample: first), "fragment \(record.fragment)")
            XCTAssertEqual(record.playoutErrorNanoseconds, 0)
            XCTAssertEqual(record.clockErrorBoundNanoseconds, 0)
        }
        let analysis = PlayLogAnalysis(records: records)
        XCTAssertEqual(analysis.gaps.count, media.fragments.count - 1)
        for gap in analysis.gaps {
            XCTAssertLessThanOrEqual(abs(gap.gap.nanosecondsDouble), 1, "no gap after fragment \(gap.afterFragment)")
        }
    }

    /// A fragment never committed gets no record, and the analysis shows the hole: from the end of
    /// fragment 3 to the first sample played of fragment 5 (its span plus the pre-roll).
    func testAMissingFragmentShowsAsAHoleInTheLog() throws {
        let media = try PlaybackMedia.stream("mp3-cbr")
        let directory = try temporaryDirectory()
        let harness = try PlaybackHarness(media: media, sink: MemorySink(), startIn: .seconds(2), playLogDirectory: directory)
        harness.deliver(media.fragments.indices.filter { $0 != 4 })
        try harness.engine.run(until: harness.afterTheEnd)
        let records = try PlayLog.read(path: directory + "/" + PlayLog.fileName)
        XCTAssertEqual(records.map(\.fragment), media.fragments.indices.filter { $0 != 4 })
        let resumed = try XCTUnwrap(records.first { $0.fragment == 5 })
        XCTAssertGreaterThan(resumed.firstPlayedSample, resumed.fragmentFirstSample, "fragment 5 starts after its pre-roll")
        XCTAssertEqual(resumed.heardAt, harness.timeline.clusterTime(ofSample: resumed.firstPlayedSample), "on the timeline")
        let analysis = PlayLogAnalysis(records: records)
        let hole = try XCTUnwrap(analysis.largestGap)
        XCTAssertEqual(hole.afterFragment, 3)
        XCTAssertEqual(hole.beforeFragment, 5)
        let expected = Double(resumed.firstPlayedSample - Int64(try harness.firstSample(ofFragment: 4))) / 48_000
        XCTAssertEqual(hole.gap.nanosecondsDouble / 1e9, expected, accuracy: 1e-6)
        XCTAssertEqual(analysis.gaps(atLeast: .milliseconds(1)).count, 1, "the only hole")
    }
}
