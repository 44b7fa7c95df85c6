import Broadcast
import Foundation
import Media
import Raft
import XCTest
import TestSupport

/// A real MP3 (made with the ffmpeg CLI) cut by Media, ingested through `IngestSession` (with a leadership
/// loss half-way), committed into a Raft `MemoryStorage` log and applied to a `Catalogue`; the fragments
/// read back from the log must be Media's fragment plan, and decode to what ffmpeg decodes.
final class CatalogueRealMediaTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-media-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeMP3(seconds: Int) throws -> String {
        let path = directory.appendingPathComponent("sine.mp3").path
        let result = try ToolProcess.run(
            "ffmpeg",
            ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             "sine=frequency=440:sample_rate=44100:duration=\(seconds)", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k",
             path])
        guard result.status == 0 else { throw ToolFailure(command: "ffmpeg (making the MP3)", stderr: result.stderrText) }
        return path
    }

    private func sha256Hex(_ path: String) throws -> String {
        let result = try ToolProcess.run("sha256sum", [path])
        XCTAssertEqual(result.status, 0)
        return String(result.stdoutText.prefix(64))
    }

    func testAnIngestedMP3IsMediasFragmentPlanAndDecodesLikeFFmpeg() throws {
        let path = try makeMP3(seconds: 9)
        let media = try MediaSource(path: path)
        var plan: [Fragment] = []
        let cutter = try media.fragments(targetSeconds: 2)
        while let fragment = try cutter.next() { plan.append(fragment) }
        XCTAssertGreaterThanOrEqual(plan.count, 4)

        let content = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let source = CatalogueSource(
            fileName: "sine.mp3", size: UInt64(content.count), sha256: CatalogueHash.sha256(content))
        XCTAssertEqual(source.sha256Hex, try sha256Hex(path))

        // The leader's log: a Raft MemoryStorage; committed entries are applied in order.
        let storage = MemoryStorage()
        var catalogue = Catalogue()
        var uncommitted: [[UInt8]] = []
        var lastIndex: UInt64 = 0
        func commitOne() throws -> CatalogueEvent? {
            lastIndex += 1
            let payload = uncommitted.removeFirst()
            try storage.append([Entry(term: 1, index: lastIndex, data: payload)])
            return catalogue.apply(payload: payload, at: lastIndex, term: 1)
        }
        let configuration = IngestConfiguration(maxUncommittedBytes: 2 * plan[1].encoded().count, lead: nil)
        var now = ClusterTime(nanoseconds: 50_000_000_000)

        // Leader A: loses leadership after the start and two fragments committed, with one more proposed.
        var sessionA = IngestSession(
            stream: 0xC0FFEE, name: "sine", source: source, fragmentSeconds: 2,
            fragments: try media.fragments(targetSeconds: 2), catalogue: catalogue, configuration: configuration)
        var proposedByA = 0
        while catalogue.fragments(of: 0xC0FFEE).count < 2 || proposedByA < 4 {
            switch sessionA.next(now: now) {
            case .propose(let payload, _):
                uncommitted.append(payload)
                proposedByA += 1
            case .wait:
                if let event = try commitOne() { sessionA.handle(.applied(event, catalogue: catalogue), at: now) }
            case let other:
                return XCTFail("leader A: \(other)")
            }
            now = now + .milliseconds(10)
        }
        sessionA.handle(.proposalRejected(.notLeader(leader: 3)), at: now)
        XCTAssertEqual(sessionA.next(now: now), .failed(.leadershipLost(leader: 3)))
        uncommitted.removeAll()  // the new leader never had them

        // Leader B resumes from its catalogue with a fresh fragmenter.
        let resumeAt = try XCTUnwrap(catalogue.firstMissingFragment(of: 0xC0FFEE))
        XCTAssertEqual(resumeAt, 2)
        var sessionB = IngestSession(
            stream: 0xC0FFEE, name: "sine", source: source, fragmentSeconds: 2,
            fragments: try media.fragments(targetSeconds: 2), catalogue: catalogue, configuration: configuration)
        var indicesByB: [Int] = []
        loop: for _ in 0..<1000 {
            switch sessionB.next(now: now) {
            case .propose(let payload, let what):
                if case .fragment(let index, _) = what { indicesByB.append(index) }
                uncommitted.append(payload)
            case .wait:
                if let event = try commitOne() { sessionB.handle(.applied(event, catalogue: catalogue), at: now) }
            case .done:
                break loop
            case .failed(let failure):
                return XCTFail("leader B: \(failure)")
            }
            now = now + .milliseconds(10)
        }
        XCTAssertEqual(indicesByB, Array(2..<plan.count))

        // The catalogue is Media's fragment plan, and the log holds the bytes.
        let stream = try XCTUnwrap(catalogue.stream(0xC0FFEE))
        XCTAssertEqual(stream.header, media.header)
        XCTAssertEqual(stream.start.source, source)
        XCTAssertEqual(stream.state, .ended(fragmentCount: plan.count, durationSeconds: plan.last!.startSeconds + plan.last!.durationSeconds - media.header.audio.timeBase.seconds(media.header.audio.startPTS)))
        XCTAssertEqual(stream.fragments.count, plan.count)
        let store = CatalogueLogFragmentStore(storage: storage)
        let decoder = try AudioDecoder(header: stream.header)
        var pcm = PCMBuffer(format: decoder.output)
        for (meta, expected) in zip(stream.fragments, plan) {
            XCTAssertEqual(meta.index, expected.index)
            XCTAssertEqual(meta.startPTS, expected.startPTS)
            XCTAssertEqual(meta.durationPTS, expected.durationPTS)
            XCTAssertEqual(meta.durationSeconds, expected.durationSeconds)
            XCTAssertEqual(meta.packetCount, expected.packets.count)
            XCTAssertEqual(meta.startsWithKeyframe, expected.startsWithKeyframe)
            let record = try catalogue.record(stream: 0xC0FFEE, index: meta.index, in: store)
            XCTAssertEqual(Array(record), expected.encoded())
            XCTAssertEqual(meta.byteCount, record.count)
            pcm.append(decoder.decode(try Fragment(decoding: Array(record))))
        }
        pcm.append(decoder.finish())
        XCTAssertEqual(decoder.warnings, [])
        let reference = try ToolProcess.run(
            "ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-f", "s16le", "-ar", "48000", "-ac", "2", "-"])
        XCTAssertEqual(reference.status, 0)
        let expectedPCM = [UInt8](reference.stdout)
        XCTAssertGreaterThan(expectedPCM.count, 9 * 48_000 * 4 - 48_000)
        XCTAssertEqual(pcm.littleEndianBytes.count, expectedPCM.count)
        XCTAssertTrue(pcm.littleEndianBytes == expectedPCM, "decoded PCM differs from ffmpeg's")

        // A snapshot of the catalogue restores the same fragment list; the bytes still come from the log.
        let restored = try Catalogue(snapshot: catalogue.snapshot())
        XCTAssertEqual(restored, catalogue)
        XCTAssertEqual(Array(try restored.record(stream: 0xC0FFEE, index: 0, in: store)), plan[0].encoded())
    }
}
