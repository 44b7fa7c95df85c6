import Foundation
import Broadcast
import BroadcastTesting
import Media
import XCTest
import TestSupport

/// Synthetic streams and fragments for the catalogue and ingest tests (real media is in
/// `CatalogueRealMediaTests`).
enum CatalogueFixtures {
    static let timeBase = TimeBase(1, 14_112_000)
    /// One MP3-like audio track at 48 kHz.
    static let header = StreamHeader(
        containerName: "mp3",
        audio: TrackInfo(
            kind: .audio, codecID: 86017, codecName: "mp3", sampleRate: 48_000, channelCount: 2, frameSize: 1152,
            timeBase: timeBase))
    /// Ticks of `timeBase` in one fragment of about 2 s (83 MP3 frames of 1152 samples).
    static let fragmentTicks: Int64 = 83 * 1152 * 294

    /// Fragment `index` with a few packets of pseudo-random bytes (the same `seed` gives the same bytes).
    static func fragment(_ index: Int, seed: UInt64 = 1, packets: Int = 3, bytesPerPacket: Int = 40) -> Fragment {
        var rng = SeededGenerator(seed: seed &* 1_000_003 &+ UInt64(index))
        let start = Int64(index) * fragmentTicks
        let step = fragmentTicks / Int64(packets)
        let list = (0..<packets).map { p in
            MediaPacket(
                track: .audio, pts: start + Int64(p) * step, dts: start + Int64(p) * step, duration: step,
                isKeyframe: true, skipSamples: index == 0 && p == 0 ? SkipSamples(start: 1105, end: 0) : nil,
                data: (0..<bytesPerPacket).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        return Fragment(
            index: index, referenceTrack: .audio, timeBase: timeBase, startPTS: start, durationPTS: fragmentTicks,
            packets: list)
    }

    static func source(_ name: String = "talk.mp3") -> CatalogueSource {
        CatalogueSource(fileName: name, size: 123_456, sha256: CatalogueHash.sha256(Array(name.utf8)))
    }

    static func start(_ id: StreamID, name: String = "talk", at nanoseconds: Int64 = 5_000_000_000) -> CatalogueStreamStart {
        CatalogueStreamStart(
            id: id, name: name, source: source(name + ".mp3"), headerRecord: header.encoded(),
            startClusterTime: ClusterTime(nanoseconds: nanoseconds), fragmentSeconds: 2, expectedFragmentCount: nil,
            isPaced: true)
    }

    static func fragmentEntry(_ stream: StreamID, _ index: Int, seed: UInt64 = 1) -> CatalogueEntry {
        .fragment(stream: stream, index: index, record: fragment(index, seed: seed).encoded()[...])
    }

    /// A random entry of any type.
    static func randomEntry(using rng: inout SeededGenerator) -> CatalogueEntry {
        let stream = StreamID(UInt64.random(in: 0...UInt64.max, using: &rng))
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            let name = String((0..<Int.random(in: 0..<20, using: &rng)).map { _ in
                "aé☃z 0".randomElement(using: &rng)!
            })
            return .streamStarted(
                CatalogueStreamStart(
                    id: stream, name: name,
                    source: CatalogueSource(
                        fileName: name + ".mp4", size: UInt64.random(in: 0...UInt64.max, using: &rng),
                        sha256: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }),
                    headerRecord: (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                    startClusterTime: ClusterTime(nanoseconds: Int64.random(in: Int64.min...Int64.max, using: &rng)),
                    fragmentSeconds: Double.random(in: 0.1...60, using: &rng),
                    expectedFragmentCount: Bool.random(using: &rng) ? nil : Int.random(in: 0...Int.max, using: &rng),
                    isPaced: Bool.random(using: &rng), interruptsProgramme: Bool.random(using: &rng)))
        case 1:
            let record = (0..<Int.random(in: 0..<500, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return .fragment(stream: stream, index: Int.random(in: 0...Int.max, using: &rng), record: record[...])
        case 2:
            return .streamEnded(
                stream: stream, fragmentCount: Int.random(in: 0...Int.max, using: &rng),
                durationSeconds: Double.random(in: 0...1e7, using: &rng))
        case 3:
            let at = ClusterTime(nanoseconds: Int64.random(in: Int64.min...Int64.max, using: &rng))
            let commands: [QueueCommand] = [
                .skip, .stop, .remove(stream), .move(stream, position: Int.random(in: 0...Int(Int32.max), using: &rng)),
            ]
            return .queue(commands.randomElement(using: &rng)!, at: at)
        default:
            return .streamRemoved(stream: stream)
        }
    }
}

final class CatalogueEntryTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testSHA256MatchesTheFIPSVectors() {
        XCTAssertEqual(
            hex(CatalogueHash.sha256([UInt8]())), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            hex(CatalogueHash.sha256(Array("abc".utf8))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex(CatalogueHash.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            hex(
                CatalogueHash.sha256(
                    Array(
                        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                            + "mnopqrstnopqrstu").utf8))),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        // A collection without contiguous storage hashes the same.
        XCTAssertEqual(CatalogueHash.sha256((0..<1000).lazy.map { UInt8(truncatingIfNeeded: $0 &* 7) }), CatalogueHash.sha256(message))
        // Message lengths around the padding boundary (55, 56, 63, 64 bytes) against sha256sum.
        for length in [55, 56, 63, 64, 119, 120] {
            let bytes = Array(message.prefix(length))
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-sha-\(UUID().uuidString)")
            XCTAssertNoThrow(try Data(bytes).write(to: url))
            defer { try? FileManager.default.removeItem(at: url) }
            let expected = try? ToolProcess.run("sha256sum", [url.path]).stdoutText.prefix(64)
            XCTAssertEqual(expected.map(String.init), hex(CatalogueHash.sha256(bytes)), "length \(length)")
        }
    }

    func testSHA256MatchesSha256sum() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-sha-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try ToolProcess.run("sha256sum", [url.path])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(String(result.stdoutText.prefix(64)), hex(CatalogueHash.sha256(bytes)))
    }

    func testFNV1a64MatchesThePublishedValues() {
        XCTAssertEqual(CatalogueHash.fnv1a64([UInt8]()), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(CatalogueHash.fnv1a64(Array("a".utf8)), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(CatalogueHash.fnv1a64(Array("foobar".utf8)), 0x8594_4171_f739_67e8)
    }

    func testRandomEntriesRoundTrip() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let entry = CatalogueFixtures.randomEntry(using: &rng)
            let bytes = entry.encoded()
            XCTAssertEqual(try CatalogueEntry(decoding: bytes), entry)
            XCTAssertEqual(Array(bytes[0..<4]), Array("RCCE".utf8))
        }
    }

    func testAFragmentRecordIsCarriedUntouchedAndDecodedWithoutACopy() throws {
        let record = CatalogueFixtures.fragment(3).encoded()
        let payload = CatalogueEntry.fragment(stream: 9, index: 3, record: record[...]).encoded()
        XCTAssertEqual(Array(payload[CatalogueEntry.fragmentRecordOffset...]), record)
        guard case let .fragment(stream, index, slice) = try CatalogueEntry(decoding: payload) else {
            return XCTFail("not a fragment entry")
        }
        XCTAssertEqual(stream, 9)
        XCTAssertEqual(index, 3)
        XCTAssertEqual(slice.startIndex, CatalogueEntry.fragmentRecordOffset)
        payload.withUnsafeBufferPointer { whole in
            slice.withUnsafeBufferPointer { part in
                XCTAssertEqual(part.baseAddress, whole.baseAddress! + CatalogueEntry.fragmentRecordOffset)
            }
        }
        XCTAssertEqual(try Fragment(decoding: Array(slice)), CatalogueFixtures.fragment(3))
    }

    func testTruncationAtEveryOffsetIsAnError() {
        var rng = SeededGenerator(seed: 7)
        let entries: [CatalogueEntry] = [
            .streamStarted(CatalogueFixtures.start(1)), CatalogueFixtures.fragmentEntry(1, 0),
            .streamEnded(stream: 1, fragmentCount: 4, durationSeconds: 8.1), .streamRemoved(stream: 1),
        ] + (0..<20).map { _ in CatalogueFixtures.randomEntry(using: &rng) }
        for entry in entries {
            let bytes = entry.encoded()
            for length in 0..<bytes.count {
                XCTAssertThrowsError(try CatalogueEntry(decoding: Array(bytes[0..<length])), "length \(length)") {
                    error in
                    guard let error = error as? CatalogueDecodingError else { return XCTFail("\(error)") }
                    XCTAssertTrue(error.description.contains("catalogue entry"), error.description)
                }
            }
            XCTAssertThrowsError(try CatalogueEntry(decoding: bytes + [0]), "a trailing byte")
        }
    }

    func testForeignBytesAreRefusedWithAClearError() {
        let fragmentRecord = CatalogueFixtures.fragment(0).encoded()
        XCTAssertThrowsError(try CatalogueEntry(decoding: fragmentRecord)) { error in
            XCTAssertEqual(error as? CatalogueDecodingError, .badMagic("catalogue entry", found: Array("RCFG".utf8)))
            XCTAssertEqual("\(error)", "not a raftcast catalogue entry (first bytes: 52 43 46 47)")
        }
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let noise = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertThrowsError(try CatalogueEntry(decoding: noise))
        }
        var newer = CatalogueEntry.streamRemoved(stream: 5).encoded()
        newer[4] = 2
        XCTAssertThrowsError(try CatalogueEntry(decoding: newer)) { error in
            XCTAssertEqual(error as? CatalogueDecodingError, .unsupportedVersion("catalogue entry", 2))
        }
        var unknownType = CatalogueEntry.streamRemoved(stream: 5).encoded()
        unknownType[5] = 9
        XCTAssertThrowsError(try CatalogueEntry(decoding: unknownType)) { error in
            XCTAssertEqual(error as? CatalogueDecodingError, .unknownType("catalogue entry", 9))
        }
        var shortHash = CatalogueFixtures.start(1)
        shortHash.source.sha256.removeLast()
        XCTAssertThrowsError(try CatalogueEntry(decoding: CatalogueEntry.streamStarted(shortHash).encoded())) { error in
            XCTAssertEqual(error as? CatalogueDecodingError, .invalidField("catalogue entry", "source SHA-256 of 31 bytes"))
        }
        var badFlags = CatalogueEntry.streamStarted(CatalogueFixtures.start(1)).encoded()
        let flagsOffset = badFlags.count - 4 - CatalogueFixtures.header.encoded().count - 1
        XCTAssertEqual(badFlags[flagsOffset], 1)
        badFlags[flagsOffset] = 0x81
        XCTAssertThrowsError(try CatalogueEntry(decoding: badFlags)) { error in
            XCTAssertEqual(error as? CatalogueDecodingError, .invalidField("catalogue entry", "start flags 129"))
        }
    }
}

