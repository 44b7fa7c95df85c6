import Audio
import Broadcast
import BroadcastTesting
import Foundation
import Logging
import Media
import Node
import TestSupport
import XCTest

/// ``PlaybackService`` on its own thread, fed by ``CatalogueTwin``, playing through alsa-lib's
/// `file` plugin (`file:FILE=…,FORMAT=raw`) on the real monotonic clock; the capture is compared
/// with `ffmpeg -f s16le -ar 48000 -ac 2` of the same file.
final class PlaybackServiceTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let directory = ScratchDirectory.forProcess(prefix: "raftcast-playback-service-tests")

    /// A fixed clock: this node defined the timeline, so cluster time is its monotonic clock.
    struct LeaderTime: ClusterClockSource {
        let clusterClock: ClusterClock = {
            var clock = ClusterClock()
            clock.becomeLeader(at: SystemMonotonicClock().now)
            return clock
        }()

        func clusterNow() -> ClusterTime? { clusterClock.clusterTime(at: SystemMonotonicClock().now) }
    }

    struct TestMedia {
        var header: [UInt8]
        var fragments: [(record: [UInt8], seconds: Double)]
        var reference: [Int16]
        var seconds: Double { fragments.reduce(0) { $0 + $1.seconds } }
    }

    /// A 6 s MP3 (44.1 kHz stereo, make-media.sh `mp3-cbr`) cut into 2 s fragments, and its reference PCM.
    func media() throws -> TestMedia {
        let path = Self.directory.appendingPathComponent("six.mp3").path
        if !FileManager.default.fileExists(atPath: path) {
            let made = try ToolProcess.run(
                Self.repositoryRoot.appendingPathComponent("scripts/make-media.sh").path, ["mp3-cbr", "6", path])
            XCTAssertEqual(made.status, 0, made.stderrText)
        }
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: 2)
        var fragments: [(record: [UInt8], seconds: Double)] = []
        while let fragment = try fragmenter.next() {
            fragments.append((fragment.encoded(), fragment.durationSeconds))
        }
        let decoded = try ToolProcess.run(
            "ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "s16le", "-ar", "48000", "-ac", "2", "-"])
        XCTAssertEqual(decoded.status, 0, decoded.stderrText)
        return TestMedia(header: source.header.encoded(), fragments: fragments, reference: Self.samples(decoded.stdout))
    }

    static func samples(_ data: Data) -> [Int16] {
        data.withUnsafeBytes { bytes in
            (0..<bytes.count / 2).map { Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
        }
    }

    func commitStream(_ media: TestMedia, id: StreamID, start: ClusterTime, to twin: CatalogueTwin) {
        twin.commit(.streamStarted(CatalogueStreamStart(
            id: id, name: "six", source: CatalogueSource(fileName: "six.mp3", size: 1, sha256: [UInt8](repeating: 0, count: 32)),
            headerRecord: media.header, startClusterTime: start, fragmentSeconds: 2, expectedFragmentCount: media.fragments.count,
            isPaced: true)))
        for (index, fragment) in media.fragments.enumerated() {
            twin.commit(.fragment(stream: id, index: index, record: fragment.record[...]))
        }
        twin.commit(.streamEnded(stream: id, fragmentCount: media.fragments.count, durationSeconds: media.seconds))
    }

    func scratch(_ name: String) throws -> String {
        let folder = Self.directory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.path
    }

    /// Waits (bounded) until the play log holds a record of the last fragment and the engine is idle.
    func waitUntilPlayed(_ service: PlaybackService, folder: String, fragments: Int, timeout: Duration) throws -> [PlayLogRecord] {
        let deadline = ContinuousClock.now + timeout
        let path = (folder as NSString).appendingPathComponent(PlayLog.fileName)
        while ContinuousClock.now < deadline {
            if let records = try? PlayLog.read(path: path), records.contains(where: { $0.fragment == fragments - 1 }),
                service.snapshot.engine?.state == .idle
            {
                return records
            }
            usleep(50_000)
        }
        throw TestFailure(description: "not played within \(timeout): \(service.snapshot)")
    }

    func testPlaysAStreamCommittedAfterStartBitExactOnTheTimeline() async throws {
        let media = try media()
        let folder = try scratch("live")
        let capture = (folder as NSString).appendingPathComponent("out.raw")
        let twin = CatalogueTwin()
        let time = LeaderTime()
        let service = PlaybackService(
            node: "n1", audioDevice: "file:FILE=\(capture),FORMAT=raw", dataDirectory: folder, events: twin, time: time,
            logger: Logger(label: "test"))
        service.start()
        let start = try XCTUnwrap(time.clusterNow()) + .milliseconds(500)
        commitStream(media, id: 0xAB, start: start, to: twin)
        let records = try waitUntilPlayed(service, folder: folder, fragments: media.fragments.count, timeout: .seconds(20))
        await service.stop()

        XCTAssertEqual(records.map(\.fragment), Array(0..<media.fragments.count))
        XCTAssertEqual(Set(records.map(\.stream)), [0xab])
        XCTAssertLessThan(abs(records[0].heardAtNanoseconds - start.nanoseconds), 20_000_000, "first sample heard at the stream's start")
        let status = try XCTUnwrap(service.snapshot.engine)
        XCTAssertEqual(status.hardResyncs, 0)
        XCTAssertEqual(status.stalledSamples, 0)

        let captured = Self.samples(try Data(contentsOf: URL(fileURLWithPath: capture)))
        let reference = media.reference
        let firstSound = try XCTUnwrap(reference.firstIndex { $0 != 0 })
        let offset = try XCTUnwrap(captured.firstIndex { $0 != 0 }) - firstSound
        XCTAssertGreaterThanOrEqual(offset, 0)
        XCTAssertEqual(offset % 2, 0, "frame aligned")
        XCTAssertTrue(captured[..<offset].allSatisfy { $0 == 0 }, "silence before the start")
        XCTAssertGreaterThanOrEqual(captured.count, offset + reference.count, "nothing missing")
        XCTAssertTrue(captured[min(captured.count, offset + reference.count)...].allSatisfy { $0 == 0 }, "nothing doubled after")
        let played = captured[offset..<min(captured.count, offset + reference.count)]
        XCTAssertTrue(played.elementsEqual(reference), "bit-exact: first difference at \(zip(played, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
    }

    func testAStartMidStreamJoinsAtTheCurrentSampleAndPlaysTheRest() async throws {
        let media = try media()
        let folder = try scratch("join")
        let capture = (folder as NSString).appendingPathComponent("out.raw")
        let twin = CatalogueTwin()
        let time = LeaderTime()
        // The stream began 2.5 s ago: everything is in the catalogue before the service starts.
        commitStream(media, id: 7, start: try XCTUnwrap(time.clusterNow()) - .milliseconds(2_500), to: twin)
        let service = PlaybackService(
            node: "n2", audioDevice: "file:FILE=\(capture),FORMAT=raw", dataDirectory: folder, events: twin, time: time,
            logger: Logger(label: "test"))
        service.start()
        let records = try waitUntilPlayed(service, folder: folder, fragments: media.fragments.count, timeout: .seconds(20))
        await service.stop()

        let first = try XCTUnwrap(records.first)
        XCTAssertEqual(first.fragment, 1, "joined inside fragment 1")
        XCTAssertGreaterThan(first.firstPlayedSample, first.fragmentFirstSample)
        // From the join sample on, the capture is the reference with single frames dropped or
        // inserted by the drift corrector (the join is planned before the first fragments are
        // decoded, so playback starts a little late and is pulled back at ≤ 500 ppm), never two in a row.
        let status = try XCTUnwrap(service.snapshot.engine)
        XCTAssertEqual(status.hardResyncs, 0)
        let captured = Self.samples(try Data(contentsOf: URL(fileURLWithPath: capture)))
        let alignment = FrameAlignment(captured: captured, reference: media.reference, referenceStart: Int(first.firstPlayedSample))
        XCTAssertNil(alignment.mismatch, "capture differs from the reference beyond single-frame corrections")
        XCTAssertFalse(alignment.adjacentCorrections, "corrections are single frames, never adjacent")
        XCTAssertEqual(alignment.dropped + alignment.inserted, status.driftCorrectionFrames)
        XCTAssertEqual(alignment.referenceEnd, media.reference.count / 2, "played to the end")
        XCTAssertLessThanOrEqual(
            Double(status.driftCorrectionFrames), 0.0005 * 48_000 * media.seconds + 1, "within the corrector's 500 ppm")
        XCTAssertTrue(captured[(alignment.capturedEnd * 2)...].allSatisfy { $0 == 0 }, "silence after the end")
    }

    func testAudioNoneRunsNoEngineAndReportsDisabled() async throws {
        let folder = try scratch("none")
        let service = PlaybackService(
            node: "n3", audioDevice: nil, dataDirectory: folder, events: CatalogueTwin(), time: LeaderTime(),
            logger: Logger(label: "test"))
        service.start()
        await service.stop()
        XCTAssertEqual(service.snapshot, .init(enabled: false))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: encoder.encode(PlaybackReport(node: "n3", playback: service.snapshot, clock: nil)))
                as? [String: Any])
        XCTAssertEqual(json["state"] as? String, "disabled")
        XCTAssertEqual(json["node"] as? String, "n3")
        XCTAssertFalse(FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(PlayLog.fileName)))
    }

    func testADeviceThatCannotOpenIsReportedAndStopsNothingElse() async throws {
        let folder = try scratch("bad")
        let service = PlaybackService(
            node: "n4", audioDevice: "nosuchdevice", dataDirectory: folder, events: CatalogueTwin(), time: LeaderTime(),
            logger: Logger(label: "test"))
        service.start()
        let deadline = ContinuousClock.now + .seconds(5)
        while service.snapshot.error == nil && ContinuousClock.now < deadline { usleep(10_000) }
        await service.stop()
        let error = try XCTUnwrap(service.snapshot.error)
        XCTAssertTrue(error.contains("nosuchdevice"), error)
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: JSONEncoder().encode(PlaybackReport(node: "n4", playback: service.snapshot, clock: nil)))
                as? [String: Any])
        XCTAssertEqual(json["state"] as? String, "failed")
    }
}

/// Walks a capture against the reference frame by frame (stereo), allowing the drift corrector's
/// single-frame drops (a reference frame missing) and insertions (a capture frame more, the mean of
/// its neighbours, which may equal the frame before it). At a difference each explanation must be
/// followed by 32 equal frames, so a quiet passage whose frames repeat cannot send the walk down the
/// wrong one.
struct FrameAlignment {
    var dropped = 0
    var inserted = 0
    var adjacentCorrections = false
    /// The capture frame and reference frame where they part beyond a single-frame correction.
    var mismatch: (captured: Int, reference: Int)?
    var capturedEnd = 0
    var referenceEnd = 0

    init(captured: [Int16], reference: [Int16], referenceStart: Int) {
        func frame(_ samples: [Int16], _ index: Int) -> (Int16, Int16)? {
            index >= 0 && index * 2 + 1 < samples.count ? (samples[index * 2], samples[index * 2 + 1]) : nil
        }
        /// Whether the next 32 frames (or as many as both have) agree from `i` and `j`.
        func agree(_ i: Int, _ j: Int) -> Bool {
            for k in 0..<32 {
                guard let c = frame(captured, i + k), let r = frame(reference, j + k) else { return true }
                if c != r { return false }
            }
            return true
        }
        func mean(_ a: (Int16, Int16), _ b: (Int16, Int16)) -> (Int16, Int16) {
            (Int16((Int(a.0) + Int(b.0)) >> 1), Int16((Int(a.1) + Int(b.1)) >> 1))
        }
        var i = 0
        var j = referenceStart
        var lastCorrection = -2
        let frames = reference.count / 2
        // Bounded: every round advances i or j, and both are bounded by the arrays.
        while j < frames, let c = frame(captured, i) {
            let r = frame(reference, j)!
            if c == r {
                i += 1
                j += 1
                continue
            }
            if lastCorrection >= i - 1 { adjacentCorrections = true }
            let interpolated = mean(frame(reference, j - 1) ?? r, r)
            if c == interpolated, agree(i + 1, j) {
                inserted += 1
                i += 1
            } else if let previous = frame(reference, j - 1), c == previous, agree(i + 1, j) {
                // An insertion whose mean equals the frame before it was taken for that frame, one
                // frame early: this frame is the real one.
                inserted += 1
                i += 1
            } else if agree(i, j + 1) {
                dropped += 1
                j += 1
            } else {
                mismatch = (i, j)
                break
            }
            lastCorrection = i
        }
        capturedEnd = i
        referenceEnd = j
    }
}
