@testable import Media
import XCTest

/// Round trips of stream headers and fragments through their binary records,
/// and clear errors for truncated, foreign, damaged or newer bytes.
final class WireFormatTests: XCTestCase {
    private func realStream(_ kind: String) throws -> (StreamHeader, [Fragment]) {
        let source = try MediaSource(path: try MediaFixtures.path(kind))
        let fragmenter = try source.fragments()
        var fragments: [Fragment] = []
        while let f = try fragmenter.next() { fragments.append(f) }
        return (source.header, fragments)
    }

    func testHeaderAndFragmentsRoundTripForVideoAndAudioOnlyStreams() throws {
        for kind in ["mp4-bframes", "mp3-cbr", "m4a"] {
            let (header, fragments) = try realStream(kind)
            XCTAssertEqual(try StreamHeader(decoding: header.encoded()), header, kind)
            for f in fragments {
                let bytes = f.encoded()
                XCTAssertEqual(try Fragment(decoding: bytes), f, "\(kind) fragment \(f.index)")
                XCTAssertGreaterThan(bytes.count, f.payloadBytes)
                XCTAssertEqual(bytes.count, f.encodedByteCount)
            }
        }
    }

    /// A new leader re-cuts the same file and must produce the very same records.
    func testFragmentingIsDeterministic() throws {
        for kind in ["mp4-bframes", "mp3-vbr-mono"] {
            let first = try realStream(kind)
            let second = try realStream(kind)
            XCTAssertEqual(first.0.encoded(), second.0.encoded(), kind)
            XCTAssertEqual(first.1.map { $0.encoded() }, second.1.map { $0.encoded() }, kind)
        }
    }

    func testChecksumIsTheIEEECRC32OfZlib() {
        // The standard check value of CRC-32/ISO-HDLC (zlib's crc32).
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { WireFormat.crc32($0) }, 0xCBF4_3926)
        XCTAssertEqual([UInt8]().withUnsafeBytes { WireFormat.crc32($0) }, 0)
    }

    func testRecordStartsWithMagicVersionAndLength() throws {
        let (header, fragments) = try realStream("mp3-cbr")
        let h = header.encoded()
        XCTAssertEqual(Array(h[0..<4]), Array("RCSH".utf8))
        XCTAssertEqual(h[4], 1)
        XCTAssertEqual(h[5], 0)
        let body = Int(h[8]) | Int(h[9]) << 8 | Int(h[10]) << 16 | Int(h[11]) << 24
        XCTAssertEqual(body + 16, h.count)
        XCTAssertEqual(Array(fragments[0].encoded()[0..<4]), Array("RCFG".utf8))
    }

    func testEveryTruncationIsRefusedAsTruncated() throws {
        let (header, fragments) = try realStream("mp4-bframes")
        let records = [header.encoded(), fragments[1].encoded()]
        for record in records {
            // Every prefix of the header; a spread of prefixes of the fragment.
            let stride = max(1, record.count / 97)
            for length in Swift.stride(from: 0, to: record.count, by: stride) {
                let prefix = Array(record.prefix(length))
                let error: WireFormatError? =
                    if record == records[0] {
                        catchError { try StreamHeader(decoding: prefix) }
                    } else {
                        catchError { try Fragment(decoding: prefix) }
                    }
                guard case .truncated = error else {
                    XCTFail("prefix of \(length)/\(record.count) bytes gave \(String(describing: error))")
                    return
                }
            }
        }
    }

    func testForeignBytesAreRefusedByMagic() throws {
        let (header, fragments) = try realStream("mp3-cbr")
        let mp3 = Array(try Data(contentsOf: URL(fileURLWithPath: try MediaFixtures.path("mp3-cbr"))).prefix(4096))
        guard case .badMagic = catchError({ try Fragment(decoding: mp3) }) else { return XCTFail("mp3 bytes") }
        // A header record is not a fragment and the other way round.
        guard case .badMagic = catchError({ try Fragment(decoding: header.encoded()) }) else {
            return XCTFail("header as fragment")
        }
        guard case .badMagic = catchError({ try StreamHeader(decoding: fragments[0].encoded()) }) else {
            return XCTFail("fragment as header")
        }
        XCTAssertTrue(
            catchError({ try Fragment(decoding: mp3) })?.description.contains("not a raftcast fragment") ?? false)
    }

    func testNewerVersionIsRefused() throws {
        let (_, fragments) = try realStream("mp3-cbr")
        var bytes = fragments[0].encoded()
        bytes[4] = 2
        XCTAssertEqual(catchError { try Fragment(decoding: bytes) }, .unsupportedVersion(2))
    }

    func testDamagedBytesAreRefusedByChecksum() throws {
        let (header, fragments) = try realStream("m4a")
        for var bytes in [header.encoded(), fragments[2].encoded()] {
            bytes[bytes.count / 2] ^= 0x40
            let error: WireFormatError? =
                bytes.starts(with: Array("RCSH".utf8))
                ? catchError { try StreamHeader(decoding: bytes) } : catchError { try Fragment(decoding: bytes) }
            guard case .checksumMismatch = error else { return XCTFail("got \(String(describing: error))") }
        }
    }

    func testTrailingBytesAreRefused() throws {
        let (_, fragments) = try realStream("mp3-cbr")
        let bytes = fragments[0].encoded() + [0]
        guard case .invalidField = catchError({ try Fragment(decoding: bytes) }) else { return XCTFail() }
    }

    func testPacketFieldsSurviveIncludingAbsentTimestampsAndSkipSamples() throws {
        let packets = [
            MediaPacket(
                track: .audio, pts: nil, dts: -7, duration: 0, isKeyframe: false, isDiscard: true,
                skipSamples: SkipSamples(start: 1105, end: 300, startReason: 1, endReason: 2), data: [1, 2, 3]),
            MediaPacket(track: .video, pts: 7 * 24 * 3600 * 12800, dts: nil, duration: 512, isKeyframe: true, data: []),
        ]
        let fragment = Fragment(
            index: 41, referenceTrack: .video, timeBase: TimeBase(1, 12800), startPTS: -1024, durationPTS: 25600,
            packets: packets)
        XCTAssertEqual(try Fragment(decoding: fragment.encoded()), fragment)
    }

    /// Decoding checks structure, not times: a record with times no fragmenter makes still decodes
    /// exactly (the catalogue, not the codec, fails a stream over them, the same way on every node).
    func testTimesOutsideTheMediaLimitsStillDecode() throws {
        let (_, fragments) = try realStream("m4a")
        var bad = fragments[1]
        bad.startPTS = 1 << 62
        bad.durationPTS = -1
        bad.packets[0].pts = .min
        bad.packets[2].duration = .max
        XCTAssertEqual(try Fragment(decoding: bad.encoded()), bad)
    }

    /// The `WireFormatError` `body` throws (nil when it succeeds or throws something else).
    private func catchError(_ body: () throws -> Any) -> WireFormatError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? WireFormatError
        }
    }
}
