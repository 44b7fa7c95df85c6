import Foundation
import Media
import XCTest
import TestSupport

/// Decoding fragments (after a round trip through their binary records) against
/// `ffmpeg -i F -f s16le -ar 48000 -ac 2 -` of the whole file.
final class AudioDecoderTests: XCTestCase {
    /// The header and fragments of `path`, as a receiver gets them: decoded from bytes.
    private func received(_ path: String, seconds: Double = 2.0) throws -> (StreamHeader, [Fragment]) {
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: seconds)
        var fragments: [Fragment] = []
        while let f = try fragmenter.next() { fragments.append(try Fragment(decoding: f.encoded())) }
        return (try StreamHeader(decoding: source.header.encoded()), fragments)
    }

    private func decodeAll(_ header: StreamHeader, _ fragments: ArraySlice<Fragment>, decoder: AudioDecoder? = nil)
        throws -> [UInt8]
    {
        let decoder = try decoder ?? AudioDecoder(header: header)
        var pcm = PCMBuffer(format: .standard)
        for f in fragments { pcm.append(decoder.decode(f)) }
        pcm.append(decoder.finish())
        XCTAssertEqual(decoder.warnings, [])
        return pcm.littleEndianBytes
    }

    private func assertIdentical(
        _ actual: [UInt8], _ expected: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertGreaterThan(expected.count, 48000 * 4, what, file: file, line: line)
        XCTAssertEqual(actual.count, expected.count, "\(what): byte count", file: file, line: line)
        if let i = (0..<min(actual.count, expected.count)).first(where: { actual[$0] != expected[$0] }) {
            XCTFail("\(what): first difference at byte \(i) of \(expected.count)", file: file, line: line)
        }
    }

    private func checkWholeFile(_ kind: String, seconds: Double = 2.0) throws {
        let path = try MediaFixtures.path(kind)
        let (header, fragments) = try received(path, seconds: seconds)
        XCTAssertGreaterThanOrEqual(fragments.count, 3)
        assertIdentical(try decodeAll(header, fragments[...]), try FFmpegReference.pcm(path), kind)
    }

    func testMP3CBRThroughFragmentsIsByteIdenticalToFFmpeg() throws {
        try checkWholeFile("mp3-cbr")
    }

    func testMP3VBRMono22kThroughFragmentsIsByteIdenticalToFFmpeg() throws {
        try checkWholeFile("mp3-vbr-mono", seconds: 1.5)
    }

    func testAACM4AThroughFragmentsIsByteIdenticalToFFmpeg() throws {
        try checkWholeFile("m4a")
    }

    func testAACInMP4WithVideoThroughFragmentsIsByteIdenticalToFFmpeg() throws {
        try checkWholeFile("mp4-bframes")
    }

    /// Starting at fragment k with pre-roll of fragment k-1 gives exactly the
    /// reference from the first sample of fragment k on.
    private func checkJoin(_ kind: String, at ks: [Int]) throws {
        let path = try MediaFixtures.path(kind)
        let (header, fragments) = try received(path)
        let reference = try FFmpegReference.pcm(path)
        let startPTS = try ffprobeStartPTS(path)
        for k in ks {
            let decoder = try AudioDecoder(header: header)
            decoder.preroll([fragments[k - 1]])
            let output = try decodeAll(header, fragments[k...], decoder: decoder)
            let x = try outputIndex(of: fragments[k], header: header, startPTS: startPTS)
            assertIdentical(output, Array(reference[(x * 4)...]), "\(kind) from fragment \(k)")
        }
    }

    func testMP3JoinMidStreamWithPrerollMatchesReferenceFromThatPoint() throws {
        try checkJoin("mp3-cbr", at: [1, 3])
    }

    /// Shows what pre-roll is for: a cold MP3 decoder's first samples are wrong
    /// (bit reservoir and overlap missing), but it converges to the reference.
    func testMP3JoinWithoutPrerollIsWrongOnlyAtTheStart() throws {
        let path = try MediaFixtures.path("mp3-cbr")
        let (header, fragments) = try received(path)
        let reference = try FFmpegReference.pcm(path)
        let decoder = try AudioDecoder(header: header)
        let output = try decodeAll(header, fragments[2...], decoder: decoder)
        let x = try outputIndex(of: fragments[2], header: header, startPTS: try ffprobeStartPTS(path))
        let expected = Array(reference[(x * 4)...])
        // Without pre-roll the resampler starts at the next phase-aligned input
        // sample: at most one resampling period (147 input samples) late.
        XCTAssertLessThanOrEqual(expected.count - output.count, 160 * 4)
        XCTAssertGreaterThanOrEqual(expected.count - output.count, 0)
        XCTAssertTrue(output.prefix(4800) != expected.suffix(output.count).prefix(4800), "cold start differs")
        let tail = output.count - 48000 * 4
        XCTAssertTrue(output.suffix(tail) == expected.suffix(tail), "then converges")
    }

    func testAACJoinMidStreamWithPrerollMatchesReferenceFromThatPoint() throws {
        try checkJoin("m4a", at: [2])
    }

    func testResetThenPrerollAfterAGapMatchesReference() throws {
        let path = try MediaFixtures.path("mp3-vbr-mono")
        let (header, fragments) = try received(path)
        let reference = try FFmpegReference.pcm(path)
        let decoder = try AudioDecoder(header: header)
        _ = decoder.decode(fragments[0])
        // Gap: fragments 1 and 2 lost. Resume at 3 after pre-rolling 2.
        decoder.reset()
        decoder.preroll([fragments[2]])
        let resumed = try decodeAll(header, fragments[3...], decoder: decoder)
        let x = try outputIndex(of: fragments[3], header: header, startPTS: try ffprobeStartPTS(path))
        assertIdentical(resumed, Array(reference[(x * 4)...]), "resumed at fragment 3")
    }

    /// The first sample of `fragment` on the 48 kHz output timeline (0 = the
    /// stream's first sample, ffprobe's start_pts), rounded up.
    private func outputIndex(of fragment: Fragment, header: StreamHeader, startPTS: Int64) throws -> Int {
        let first = try XCTUnwrap(fragment.packets(of: .audio).first?.pts)
        let tb = header.audio.timeBase
        let numerator = (first - startPTS) * Int64(tb.numerator) * 48000
        return Int((numerator + Int64(tb.denominator) - 1) / Int64(tb.denominator))
    }

    /// After `finish()`, the same decoder plays the stream again from the start.
    func testDecodingAfterFinishStartsANewRun() throws {
        let path = try MediaFixtures.path("m4a")
        let (header, fragments) = try received(path)
        let decoder = try AudioDecoder(header: header)
        let first = try decodeAll(header, fragments[...], decoder: decoder)
        let second = try decodeAll(header, fragments[...], decoder: decoder)
        XCTAssertTrue(first == second, "a second run gives the same samples")
        // And a pre-roll on a decoder that has been decoding starts a clean join.
        _ = decoder.decode(fragments[0])
        decoder.preroll([fragments[1]])
        let joined = try decodeAll(header, fragments[2...], decoder: decoder)
        XCTAssertTrue(joined == Array(first.suffix(joined.count)), "join after pre-roll")
        XCTAssertLessThan(joined.count, first.count)
    }

    func testCorruptPacketInTheMiddleIsSkippedWithAWarning() throws {
        let path = try MediaFixtures.path("m4a")
        var (header, fragments) = try received(path)
        // Garble one packet in the middle of fragment 2.
        let victim = fragments[2].packets.count / 2
        fragments[2].packets[victim].data = [UInt8](repeating: 0xff, count: fragments[2].packets[victim].data.count)
        let decoder = try AudioDecoder(header: header, file: "m4a")
        var pcm = PCMBuffer(format: .standard)
        for f in fragments { pcm.append(decoder.decode(f)) }
        pcm.append(decoder.finish())
        XCTAssertEqual(decoder.warnings.count, 1, "\(decoder.warnings)")
        XCTAssertTrue(decoder.warnings.first?.message.hasPrefix("corrupt audio packet at") ?? false)
        let reference = try FFmpegReference.pcm(path)
        // One 1024-sample packet (about 1115 frames at 48 kHz) missing, the rest decoded.
        XCTAssertEqual(Double(pcm.samples.count * 2), Double(reference.count), accuracy: 1200 * 4)
    }

    func testDecoderThatCannotOpenIsRefusedWithAOneLineReason() throws {
        var header = try MediaSource(path: try MediaFixtures.path("m4a")).header
        header.audio.extradata = [0xff, 0xff, 0xff, 0xff]  // not an AudioSpecificConfig
        XCTAssertThrowsError(try AudioDecoder(header: header, file: "bad.m4a")) { error in
            let media = error as? MediaError
            XCTAssertEqual(media?.kind, .unsupportedCodec)
            XCTAssertTrue(media?.reason.hasPrefix("audio codec 'aac'") ?? false, "\(String(describing: media))")
            XCTAssertFalse(media?.reason.contains("\n") ?? true)
        }
    }

    private func ffprobeStartPTS(_ path: String) throws -> Int64 {
        let result = try ToolProcess.run(
            "ffprobe",
            ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=start_pts", "-of", "csv=p=0", path])
        return try XCTUnwrap(Int64(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
