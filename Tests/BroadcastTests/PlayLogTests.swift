import Audio
import Broadcast
import BroadcastTesting
import Foundation
import XCTest

final class PlayLogTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("playlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    static let fragmentSamples: Int64 = 96_000
    static let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 10_000_000_000), sampleRate: 48_000)

    /// A record of `node` playing `fragment` from `firstPlayed` (default: its first sample), heard
    /// `late` after the timeline says.
    static func record(_ node: String, _ fragment: Int, late: Duration = .zero, firstPlayed: Int64? = nil) -> PlayLogRecord {
        let first = Int64(fragment) * fragmentSamples
        let played = firstPlayed ?? first
        return PlayLogRecord(
            node: node, stream: 0x51, fragment: fragment, fragmentFirstSample: first, fragmentSamples: fragmentSamples,
            firstPlayedSample: played, sampleRate: 48_000, heardAt: timeline.clusterTime(ofSample: played) + late,
            clockErrorBound: .microseconds(180), playoutError: late)
    }

    func testRoundTripAsJSONLines() throws {
        let records = [Self.record("n1", 0), Self.record("n1", 1, late: .microseconds(-210)), Self.record("n1", 2)]
        let log = try PlayLog(dataDirectory: directory.path)
        XCTAssertEqual(log.path, directory.appendingPathComponent("play-log.jsonl").path)
        try log.append(records[0])
        try log.append(records[1])
        log.close()
        XCTAssertThrowsError(try log.append(records[2]))
        // Reopening appends.
        let again = try PlayLog(path: log.path)
        try again.append(records[2])
        XCTAssertEqual(try PlayLog.read(path: log.path), records)
        let text = try String(contentsOfFile: log.path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, "three lines, each ending in a newline")
        XCTAssertEqual(
            String(lines[1]),
            #"{"clock_error_bound_ns":180000,"first_played_sample":96000,"fragment":1,"fragment_first_sample":96000,"#
                + #""fragment_samples":96000,"heard_at_ns":11999790000,"node":"n1","playout_error_ns":-210000,"#
                + #""sample_rate":48000,"stream":"0000000000000051"}"#)
    }

    func testATornLastLineIsIgnoredAndABadLineIsNamed() throws {
        let path = directory.appendingPathComponent("play-log.jsonl").path
        let log = try PlayLog(path: path)
        try log.append(Self.record("n2", 0))
        try log.append(Self.record("n2", 1))
        log.close()
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"clock_error_bound_ns":18"#.utf8))
        handle.closeFile()
        XCTAssertEqual(try PlayLog.read(path: path).map(\.fragment), [0, 1])

        let bad = Data("\(String(decoding: try JSONEncoder().encode(Self.record("n2", 0)), as: UTF8.self))\n{\"node\":\"n2\"}\n".utf8)
        XCTAssertThrowsError(try PlayLog.parse(bad, path: "x.jsonl")) { error in
            XCTAssertEqual("\(error)", #"x.jsonl:2: not a play-log record: missing "stream""#)
        }
        XCTAssertThrowsError(try PlayLog.read(path: directory.appendingPathComponent("nope.jsonl").path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(directory.appendingPathComponent("nope.jsonl").path + ": cannot read"))
        }
        XCTAssertThrowsError(try PlayLog(path: directory.appendingPathComponent("no/such/dir/log").path)) { error in
            XCTAssertTrue("\(error)".hasSuffix("cannot open the play log: No such file or directory"), "\(error)")
        }
    }

    func testSkewAndGapsOfHandMadeLogs() throws {
        // n1 exactly on schedule; n2 300 µs late throughout, and its fragment 2 starts 40 ms late
        // (a stall: it resumed 1 920 samples in); n3 never played fragment 1.
        var records = (0..<4).map { Self.record("n1", $0) }
        records += [0, 1, 3].map { Self.record("n2", $0, late: .microseconds(300)) }
        records.append(Self.record("n2", 2, late: .microseconds(300), firstPlayed: 2 * Self.fragmentSamples + 1_920))
        records += [0, 2, 3].map { Self.record("n3", $0, late: .microseconds(-100)) }
        records.append(Self.record("n1", 0, late: .seconds(5)))  // a second record of a fragment: ignored
        let analysis = PlayLogAnalysis(records: records)

        XCTAssertEqual(analysis.skews.map(\.fragment), [0, 1, 2, 3])
        XCTAssertEqual(analysis.skews.map(\.nodes), [3, 2, 3, 3])
        XCTAssertEqual(analysis.skews.map(\.skew), [.microseconds(400), .microseconds(300), .microseconds(400), .microseconds(400)])
        XCTAssertEqual(analysis.skews[0].earliestNode, "n3")
        XCTAssertEqual(analysis.skews[0].latestNode, "n2")
        let summary = try XCTUnwrap(analysis.skewSummary)
        XCTAssertEqual(summary.count, 4)
        XCTAssertEqual(summary.p50, .microseconds(400))
        XCTAssertEqual(summary.max, .microseconds(400))

        func gap(_ node: String, _ before: Int) -> Duration? {
            analysis.gaps.first { $0.node == node && $0.beforeFragment == before }?.gap
        }
        XCTAssertEqual(gap("n1", 1), .zero)
        XCTAssertEqual(gap("n1", 2), .zero)
        XCTAssertEqual(gap("n1", 3), .zero)
        XCTAssertEqual(gap("n2", 1), .zero)
        XCTAssertEqual(gap("n2", 2), .milliseconds(40), "the 40 ms hole")
        XCTAssertEqual(gap("n2", 3), .zero, "back on schedule")
        XCTAssertEqual(gap("n3", 2), .seconds(2), "a whole fragment missing")
        XCTAssertEqual(analysis.gaps.count, 3 + 3 + 2)
        XCTAssertEqual(analysis.largestGap?.node, "n3")
        XCTAssertEqual(analysis.gaps(atLeast: .milliseconds(1)).map(\.node), ["n2", "n3"])
        XCTAssertEqual(
            analysis.gaps.first { $0.node == "n2" && $0.beforeFragment == 2 }?.at,
            Self.timeline.clusterTime(ofSample: 2 * Self.fragmentSamples) + .microseconds(300))
        XCTAssertNil(PlayLogAnalysis(records: [Self.record("n1", 0)]).skewSummary)
    }

    func testSummaryPercentilesByNearestRank() throws {
        let values = (1...200).map { Duration.microseconds($0) }
        let summary = try XCTUnwrap(PlayLogAnalysis.Summary(values.shuffled()))
        XCTAssertEqual(summary.p50, .microseconds(100))
        XCTAssertEqual(summary.p99, .microseconds(198))
        XCTAssertEqual(summary.max, .microseconds(200))
        XCTAssertNil(PlayLogAnalysis.Summary([]))
    }

    func testTrackerFindsTheFirstHeardSampleOfEachFragment() {
        var tracker = FragmentPlayTracker(node: "n1", stream: 0x51)
        let fragments = (0..<3).map { FragmentPlayTracker.Fragment(index: $0, firstSample: Int64($0) * 96_000, sampleCount: 96_000) }
        // A chunk across the boundary of fragments 0 and 1 whose plan drops sample 96 000 (position 240).
        var corrector = DriftCorrector()
        let drop = corrector.plan(frames: 480, errorPPM: -1e6 / 480)
        XCTAssertEqual(drop, DriftCorrector().planOne(.drop))
        let chunk = PlayoutChunk(
            firstSample: 95_760, sampleCount: 480, plan: drop,
            heardAt: ClusterTime(nanoseconds: 5_000_000_000), error: .microseconds(-50), sampleRate: 48_000)
        XCTAssertNil(chunk.heardTime(ofSample: 96_000))
        let records = tracker.records(for: chunk, fragments: fragments, clockErrorBound: .microseconds(90))
        XCTAssertEqual(records.map { $0.fragment }, [0, 1])
        XCTAssertEqual(records[0].firstPlayedSample, 95_760)
        XCTAssertEqual(records[0].heardAt, ClusterTime(nanoseconds: 5_000_000_000))
        XCTAssertEqual(records[1].firstPlayedSample, 96_001)
        // 240 frames after the chunk's first: 5 ms.
        XCTAssertEqual(records[1].heardAt, ClusterTime(nanoseconds: 5_005_000_000))
        XCTAssertEqual(records[1].clockErrorBoundNanoseconds, 90_000)
        XCTAssertEqual(records[1].playoutErrorNanoseconds, -50_000)
        // Logged once: the next chunk of fragment 1 adds nothing.
        let next = PlayoutChunk(
            firstSample: 96_240, sampleCount: 480, plan: DriftCorrector().planOne(.insert),
            heardAt: ClusterTime(nanoseconds: 5_010_000_000), error: .zero, sampleRate: 48_000)
        XCTAssertEqual(tracker.records(for: next, fragments: fragments, clockErrorBound: .zero), [])
        XCTAssertEqual(next.outputIndex(ofSample: 96_479), 239)
        XCTAssertEqual(next.outputIndex(ofSample: 96_480), 241, "after the inserted frame")
        XCTAssertEqual(next.outputFrames, 481)
    }

    /// Two simulated nodes, sound cards 100 ppm fast and 100 ppm slow, log 20 s of 2 s fragments:
    /// logged skew under 0.5 ms on every fragment, no gap over 0.5 ms.
    func testSimulatedNodesLogSmallSkewAndNoGaps() throws {
        let timeline = StreamTimeline(start: ClusterTime(nanoseconds: 1_000_000_000), sampleRate: 48_000)
        let fragments = (0..<10).map { FragmentPlayTracker.Fragment(index: $0, firstSample: Int64($0) * 96_000, sampleCount: 96_000) }
        var records: [PlayLogRecord] = []
        for (node, ppm) in [("n1", 100.0), ("n2", -100.0)] {
            var simulation = PlayoutSimulation(timeline: timeline, cardPPM: ppm)
            simulation.streamEnd = 960_000
            var tracker = FragmentPlayTracker(node: node, stream: 0x51)
            simulation.run(until: .seconds(25)) { _, action in
                if case .play(let chunk) = action {
                    records += tracker.records(for: chunk, fragments: fragments, clockErrorBound: .zero)
                }
            }
        }
        let log = try PlayLog(dataDirectory: directory.path)
        for record in records { try log.append(record) }
        let analysis = PlayLogAnalysis(records: try PlayLog.read(path: log.path))
        XCTAssertEqual(analysis.skews.count, 10)
        XCTAssertLessThan(try XCTUnwrap(analysis.skewSummary).max, .microseconds(500))
        XCTAssertEqual(analysis.gaps.count, 18)
        XCTAssertTrue(analysis.gaps.allSatisfy { abs($0.gap.wholeNanoseconds) < 500_000 }, "\(analysis.gaps.map(\.gap))")
    }
}

extension DriftCorrector {
    /// The plan for one frame inserted or dropped in a 480-frame block: at position 240.
    func planOne(_ adjustment: Adjustment) -> Plan {
        var corrector = self
        let plan = corrector.plan(frames: 480, errorPPM: (adjustment == .insert ? 1 : -1) * 1e6 / 480)
        precondition(plan.positions == [240] && plan.adjustment == adjustment)
        return plan
    }
}
