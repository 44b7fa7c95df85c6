import Foundation
import TestSupport
import XCTest

@testable import Media

/// Crafted files (TestSupport's `CraftedMedia`: real FFmpeg output with one forged field) through the
/// library: each is first shown to be what it claims with ffprobe, then refused by `MediaSource` or the
/// fragmenter with `MediaError.Kind.invalidTiming` — never a trap, never an absurd allocation.
final class CraftedMediaTests: XCTestCase {
    static let directory = ScratchDirectory.forProcess(prefix: "raftcast-crafted-media")
    /// `tfdt` jumps in ticks of 1/48000 s: 12.4 hours (within 7 days: the gap rule), 241 days, 660 years,
    /// 3 million years (outside the programme length).
    static let jumps: [UInt64] = [1 << 31, 1_000_000_000_000, 1_000_000_000_000_000, 1 << 62]

    private func crafted(_ kind: CraftedMedia.Kind) throws -> String {
        try CraftedMedia.file(kind, in: Self.directory)
    }

    /// The base file's audio decode times: packets of 1024 samples from 0, no jump.
    private func baseDecodeTimes() throws -> [Int64] {
        let base = Self.directory.appendingPathComponent("crafted-base.mp4").path
        _ = try CraftedMedia.baseMP4(in: Self.directory)
        let times = try CraftedMedia.probedDecodeTimes(base)
        XCTAssertGreaterThan(times.count, 300, "8 s of AAC at 48 kHz")
        XCTAssertEqual(times.first, 0)
        XCTAssertEqual(Set(zip(times.dropFirst(), times).map { $0 - $1 }), [1024], "one packet every 1024 ticks")
        return times
    }

    /// The index of the first packet of the first rewritten fragment, from the file's own `tfdt` boxes.
    private func firstRewrittenPacket(_ base: [Int64]) throws -> Int {
        let starts = try CraftedMedia.decodeTimes(of: try CraftedMedia.baseMP4(in: Self.directory))
        let time = Int64(starts[CraftedMedia.firstRewrittenFragment])
        return try XCTUnwrap(base.firstIndex(of: time))
    }

    private func assertRefused(
        _ path: String, containing words: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let plan = try FragmentPlan(source: MediaSource(path: path))
            XCTFail("\(path) was accepted: \(plan.entries.count) fragments", file: file, line: line)
        } catch {
            XCTAssertEqual(error.kind, .invalidTiming, "\(error)", file: file, line: line)
            XCTAssertEqual(error.file, path, file: file, line: line)
            XCTAssertTrue(error.reason.contains(words), "reason: \(error.reason)", file: file, line: line)
            XCTAssertFalse(error.reason.contains("\n"), "one line", file: file, line: line)
        }
    }

    // MARK: - The crafted files are what they claim (ffprobe)

    func testFFprobeSeesEachForgedDecodeTime() throws {
        let base = try baseDecodeTimes()
        let cut = try firstRewrittenPacket(base)
        func expected(_ transform: (Int64) -> Int64) -> [Int64] {
            Array(base[..<cut]) + base[cut...].map(transform)
        }
        for jump in Self.jumps {
            let times = try CraftedMedia.probedDecodeTimes(try crafted(.tfdtJump(jump)))
            XCTAssertEqual(times, expected { $0 + Int64(jump) }, "jump \(jump)")
            XCTAssertEqual(times[cut] - times[cut - 1], 1024 + Int64(jump))
        }
        let back = try CraftedMedia.probedDecodeTimes(try crafted(.tfdtBackwards(48_000)))
        XCTAssertEqual(back, expected { $0 - 48_000 })
        XCTAssertLessThan(back[cut], back[cut - 1], "decode times go back")
        let negative = try CraftedMedia.probedDecodeTimes(try crafted(.tfdtNegative))
        XCTAssertEqual(negative, expected { $0 - (1 << 62) })
        XCTAssertLessThan(negative[cut], -(1 << 61))
    }

    func testFFprobeSeesEachForgedDeclaration() throws {
        for ticks: UInt64 in [1_000_000_000_000, 1 << 62, UInt64(Int64.max)] {
            let stream = try CraftedMedia.probedAudioStream(try crafted(.mdhdDuration(ticks)))
            XCTAssertEqual(stream.durationTicks, Int64(ticks), "mdhd duration \(ticks)")
        }
        // 2³²−1 frames of 1152 samples, in ticks of 1/14112000 s (320 per sample at 44.1 kHz).
        let frames = try CraftedMedia.probedAudioStream(try crafted(.xingFrames(.max)))
        XCTAssertEqual(frames.durationTicks, Int64(UInt32.max) * 1152 * 320)
        let bytes = try CraftedMedia.probedAudioStream(try crafted(.xingBytes(.max)))
        XCTAssertGreaterThan(bytes.bitRate ?? 0, MediaLimits.maximumBitRate, "2³² bytes in 8 s")
    }

    // MARK: - Refused

    func testTheUntouchedFilesAreAccepted() throws {
        // The same files without the forged field: the refusals below are the field's doing.
        let mp4 = Self.directory.appendingPathComponent("crafted-base.mp4").path
        _ = try CraftedMedia.baseMP4(in: Self.directory)
        let plan = try FragmentPlan(source: MediaSource(path: mp4))
        XCTAssertGreaterThanOrEqual(plan.entries.count, 4)
        XCTAssertEqual(plan.entries.reduce(0) { $0 + $1.durationSeconds }, 8.0, accuracy: 0.05)
        _ = try CraftedMedia.baseMP3(in: Self.directory)
        let mp3 = try MediaSource(path: Self.directory.appendingPathComponent("crafted-base.mp3").path)
        XCTAssertEqual(mp3.durationSeconds ?? 0, 8.0, accuracy: 0.05)
    }

    func testDecodeTimeJumpsAreRefused() throws {
        // 2³¹ ticks (12.4 h) stays within the programme length: the gap rule refuses it at the packet.
        assertRefused(
            try crafted(.tfdtJump(1 << 31)),
            containing: "audio timestamps jump from 1.984 s to 44741.248 s (more than 10 s beyond the previous packet's end)")
        // Larger jumps leave the programme length. FFmpeg reads every fragment's `tfdt` when it opens a
        // fragmented MP4 and declares the track as long as its last fragment ends: the declared duration
        // is refused before any packet is read.
        for (jump, seconds) in zip(Self.jumps.dropFirst(), ["2.08e+07", "2.08e+10", "9.61e+13"]) {
            assertRefused(
                try crafted(.tfdtJump(jump)),
                containing: "audio track declares a duration of \(seconds) s, more than the maximum programme length (7 days)")
        }
    }

    func testDecodeTimesGoingBackOrNegativeAreRefused() throws {
        assertRefused(try crafted(.tfdtBackwards(48_000)), containing: "audio decode times go back from 1.984 s to 1.005 s")
        assertRefused(try crafted(.tfdtNegative), containing: "audio timestamp -9.61e+13 s outside −10 s … 7 days")
    }

    func testGapsUpToTheLimitAreAccepted() throws {
        // The limit is 10 s beyond the previous packet's end: a 9.9-s gap plays (one fragment spans it), a
        // 10.1-s gap does not.
        let plan = try FragmentPlan(source: MediaSource(path: try crafted(.tfdtJump(475_200))))
        XCTAssertEqual(plan.entries.first?.durationSeconds ?? 0, 2.005 + 9.9, accuracy: 0.01, "the gap is in fragment 0")
        XCTAssertEqual(plan.entries.reduce(0) { $0 + $1.durationSeconds }, 8.0 + 9.9, accuracy: 0.05)
        assertRefused(try crafted(.tfdtJump(484_800)), containing: "(more than 10 s beyond the previous packet's end)")
    }

    func testHugeDeclaredDurationsAreRefusedOnOpening() throws {
        for ticks: UInt64 in [1_000_000_000_000, 1 << 62, UInt64(Int64.max)] {
            let path = try crafted(.mdhdDuration(ticks))
            XCTAssertThrowsError(try MediaSource(path: path), "mdhd \(ticks)") { error in
                let media = error as? MediaError
                XCTAssertEqual(media?.kind, .invalidTiming)
                XCTAssertTrue(
                    media?.reason.hasPrefix("audio track declares a duration of ") == true
                        && media?.reason.hasSuffix(" s, more than the maximum programme length (7 days)") == true,
                    "\(String(describing: media))")
            }
        }
        let xing = try crafted(.xingFrames(.max))
        XCTAssertThrowsError(try MediaSource(path: xing)) { error in
            XCTAssertEqual(
                (error as? MediaError)?.reason,
                "audio track declares a duration of 1.12e+08 s, more than the maximum programme length (7 days)")
        }
        // Just under the limit is believed (and the file then ends early: a warning, as for any MP4 cut short).
        let week = try crafted(.mdhdDuration(7 * 86_400 * CraftedMedia.aacTimescale))
        let plan = try FragmentPlan(source: MediaSource(path: week))
        XCTAssertGreaterThanOrEqual(plan.entries.count, 4)
        XCTAssertTrue(plan.warnings.contains { $0.isTruncation }, "\(plan.warnings)")
    }

    /// Records that no fragmenter makes (times the demuxer would refuse) reach the decoder only in memory:
    /// it neither traps nor reserves memory for the years they claim, and outputs no more than the real audio.
    func testTheDecoderSurvivesFragmentsClaimingAbsurdTimes() throws {
        _ = try CraftedMedia.baseMP4(in: Self.directory)
        let source = try MediaSource(path: Self.directory.appendingPathComponent("crafted-base.mp4").path)
        let fragmenter = try source.fragments()
        var fragments: [Fragment] = []
        while let fragment = try fragmenter.next() { fragments.append(fragment) }
        let reference = AudioDecoder.wholeStream(try AudioDecoder(header: source.header), fragments)
        for (name, shift) in [("forward", Int64(1) << 62), ("back", Int64.min + (1 << 40)), ("to the end", Int64.max - 100)] {
            let forged = fragments.map { fragment -> Fragment in
                var copy = fragment
                copy.durationPTS = .max
                if fragment.index >= 2 {
                    copy.packets = fragment.packets.map { packet in
                        var p = packet
                        p.pts = p.pts.map { $0 &+ shift }
                        p.dts = p.dts.map { $0 &+ shift }
                        return p
                    }
                }
                return copy
            }
            let decoder = try AudioDecoder(header: source.header)
            let output = AudioDecoder.wholeStream(decoder, forged)
            XCTAssertLessThanOrEqual(output, reference, name)
            XCTAssertGreaterThan(output, reference / 5, "\(name): the first fragments play")
        }
        var header = source.header
        header.audio.startPTS = .min
        let decoder = try AudioDecoder(header: header)
        XCTAssertLessThanOrEqual(AudioDecoder.wholeStream(decoder, fragments), reference, "start pts Int64.min")
    }

    func testAnAbsurdXingByteCountIsIgnored() throws {
        // The Xing header's byte count only gives the average bit rate: 2³² bytes in 8 s is not believed,
        // the first frame's bit rate is taken, and the file is cut as the untouched one is.
        let source = try MediaSource(path: try crafted(.xingBytes(.max)))
        _ = try CraftedMedia.baseMP3(in: Self.directory)
        let untouched = try MediaSource(path: Self.directory.appendingPathComponent("crafted-base.mp3").path)
        XCTAssertGreaterThan(source.header.audio.bitRate, 0)
        XCTAssertLessThanOrEqual(source.header.audio.bitRate, 320_000)
        XCTAssertEqual(source.header.audio.durationPTS, untouched.header.audio.durationPTS)
        XCTAssertEqual(
            try FragmentPlan(source: source).entries.map(\.bytes), try FragmentPlan(source: untouched).entries.map(\.bytes))
    }
}

extension AudioDecoder {
    /// Decodes `fragments` in order and finishes; the number of samples it output.
    fileprivate static func wholeStream(_ decoder: AudioDecoder, _ fragments: [Fragment]) -> Int {
        var samples = 0
        for fragment in fragments { samples += decoder.decode(fragment).samples.count }
        return samples + decoder.finish().samples.count
    }
}
