import Audio
import Broadcast
import Foundation
import Media
import XCTest

/// A corrupt packet the decoder has to skip.
final class PlaybackCorruptPacketTests: XCTestCase {
    /// One AAC packet in the middle of fragment 2 garbled: the decoder skips it (one warning), its
    /// run no longer lines up with the timestamps, and at fragment 3 the engine starts a new run on
    /// fragment 3's position. Everything outside fragment 2's damaged part and fragment 3's
    /// pre-roll is the reference exactly, on the timeline, and the total length is kept.
    func testACorruptPacketCostsAtMostItsFragmentAndThePreroll() throws {
        var media = try PlaybackMedia.stream("m4a")
        let victim = media.fragments[2].packets.count / 2
        media.fragments[2].packets[victim].data = [UInt8](repeating: 0xff, count: media.fragments[2].packets[victim].data.count)
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2))
        harness.deliver(media.fragments.indices)
        try harness.engine.run(until: harness.afterTheEnd)
        XCTAssertEqual(harness.engine.counters.decoderWarnings, 1)
        XCTAssertEqual(harness.engine.counters.decoderResets, 1, "realigned once")
        let output = Array(sink.samples.dropFirst(2_400 * 2))
        let reference = media.reference
        XCTAssertEqual(output.count, reference.count, "the timeline is kept")
        let damaged = try harness.firstSample(ofFragment: 2)
        assertSamplesEqual(output[..<(damaged * 2)], reference[..<(damaged * 2)], "before the damage")
        let next = try harness.firstSample(ofFragment: 3)
        let resumed = next + 3 * 1_115  // AAC pre-roll: three 1024-sample packets at 44.1 kHz
        assertSamplesEqual(output[(resumed * 2)...], reference[(resumed * 2)...], "from fragment 3's pre-roll on")
    }
}
