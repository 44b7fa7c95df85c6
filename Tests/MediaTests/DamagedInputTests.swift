import Foundation
import Media
import XCTest

/// Cut and garbled versions of real files: each is refused with a one-line
/// error or read to the end, decoded without a crash, and never loses audio
/// silently.
final class DamagedInputTests: XCTestCase {
    private struct Outcome {
        var audioEnd: Double
        var warnings: [MediaWarning]
    }

    /// Opens, fragments and decodes `path`; nil when it is refused.
    private func readThrough(_ path: String) throws -> Outcome? {
        let source: MediaSource
        do {
            source = try MediaSource(path: path)
        } catch {
            XCTAssertFalse(error.description.isEmpty)
            XCTAssertFalse(error.description.contains("\n"), error.description)
            return nil
        }
        let fragmenter = try source.fragments()
        let decoder = try AudioDecoder(header: source.header)
        var end = -Double.infinity
        var pcm = PCMBuffer(format: decoder.output)
        while let fragment = try fragmenter.next() {
            for p in fragment.packets(of: .audio) {
                if let t = p.time { end = max(end, source.header.audio.timeBase.seconds(t + p.duration)) }
            }
            pcm.samples.removeAll(keepingCapacity: true)
            decoder.decode(fragment, into: &pcm)
        }
        _ = decoder.finish()
        return Outcome(audioEnd: end, warnings: fragmenter.warnings)
    }

    func testCutFilesAreRefusedOrWarnAboutTheirEnd() throws {
        for kind in ["mp3-cbr", "mp3-vbr-mono", "m4a", "mp4-bframes", "mp4-moov-end"] {
            let path = try MediaFixtures.path(kind)
            let whole = try XCTUnwrap(try readThrough(path))
            XCTAssertEqual(whole.warnings, [], kind)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            for fraction in [0.03, 0.3, 0.7, 0.97] {
                let cut = MediaFixtures.scratch("cut-\(kind)-\(fraction).\(URL(fileURLWithPath: path).pathExtension)")
                try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: cut))
                guard let outcome = try readThrough(cut) else { continue }
                if outcome.audioEnd < whole.audioEnd - 0.5 {
                    XCTAssertTrue(
                        outcome.warnings.contains { $0.message.hasPrefix("ends early") },
                        "\(kind) cut at \(fraction): audio ends at \(outcome.audioEnd) of \(whole.audioEnd) s silently")
                }
            }
        }
    }

    func testGarbledBytesInTheMiddleDoNotStopReading() throws {
        for kind in ["mp3-cbr", "m4a", "mp4-bframes"] {
            let path = try MediaFixtures.path(kind)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            var state: UInt64 = 0x5eed
            let start = bytes.count * 4 / 10
            for i in start..<(start + 512) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes[i] = UInt8(truncatingIfNeeded: state >> 56)
            }
            let garbled = MediaFixtures.scratch("garbled-\(kind).\(URL(fileURLWithPath: path).pathExtension)")
            try bytes.write(to: URL(fileURLWithPath: garbled))
            let whole = try XCTUnwrap(try readThrough(path))
            let outcome = try XCTUnwrap(try readThrough(garbled), kind)
            XCTAssertEqual(outcome.audioEnd, whole.audioEnd, accuracy: 0.5, "\(kind) is read to its end")
        }
    }
}
