@testable import Broadcast
import XCTest

/// The decoded-PCM buffer: runs on the stream's sample timeline, holes between them, taking and
/// dropping, and its storage bound.
final class PlaybackBufferTests: XCTestCase {
    /// Stereo frames whose samples carry their stream position (left) and its negation (right).
    private func frames(_ range: Range<Int64>) -> [Int16] {
        range.flatMap { [Int16(truncatingIfNeeded: $0), Int16(truncatingIfNeeded: -$0)] }
    }

    func testRunsHolesAvailabilityAndTaking() {
        var buffer = PlaybackBuffer(channels: 2)
        XCTAssertEqual(buffer.available(from: 5), 5..<5, "empty: nothing at or after 5")
        buffer.append(frames(100..<200), at: 100)
        buffer.append(frames(200..<250), at: 200)
        buffer.append(frames(240..<260), at: 240)  // overlaps 240..<250: only 250..<260 is new
        buffer.append(frames(300..<400), at: 300)
        XCTAssertEqual(buffer.end, 400)
        XCTAssertEqual(buffer.frameCount, 260)
        XCTAssertEqual(buffer.available(from: 50), 100..<260, "before the first run: stall until 100")
        XCTAssertEqual(buffer.available(from: 150), 100..<260)
        XCTAssertEqual(buffer.available(from: 270), 300..<400, "in the hole: the next run")
        XCTAssertEqual(buffer.available(from: 400), 400..<400)

        XCTAssertEqual(buffer.take(120..<130), frames(120..<130), "samples before 120 dropped with it")
        XCTAssertEqual(buffer.available(from: 130), 130..<260)
        XCTAssertEqual(buffer.take(245..<260), frames(245..<260), "across the overlapped append")
        XCTAssertEqual(buffer.available(from: 260), 300..<400)
        XCTAssertEqual(buffer.take(300..<310), frames(300..<310))
        XCTAssertEqual(buffer.frameCount, 90)
        XCTAssertEqual(buffer.take(500..<510), [], "nothing there")
    }

    func testDroppingFromAPositionAndCompaction() {
        var buffer = PlaybackBuffer(channels: 2)
        buffer.append(frames(0..<100), at: 0)
        buffer.append(frames(200..<300), at: 200)
        buffer.drop(from: 250)
        XCTAssertEqual(buffer.end, 250)
        buffer.drop(from: 50)
        XCTAssertEqual(buffer.end, 50, "the later run is gone, the first cut")
        buffer.append(frames(50..<60), at: 50)
        XCTAssertEqual(buffer.available(from: 0), 0..<60, "appends continue the run")

        var long = PlaybackBuffer(channels: 2)
        long.append(frames(0..<48_000), at: 0)
        long.drop(before: Int64(PlaybackBuffer.compactionFrames) - 1)
        XCTAssertEqual(long.storedSamples, 48_000 * 2, "under a quarter second consumed: kept")
        long.drop(before: Int64(PlaybackBuffer.compactionFrames))
        XCTAssertEqual(long.storedSamples, (48_000 - PlaybackBuffer.compactionFrames) * 2, "compacted")
        XCTAssertEqual(long.take(40_000..<40_010), frames(40_000..<40_010))
        XCTAssertEqual(long.storedSamples, (48_000 - 40_000) * 2, "compacted up to the chunk taken")
    }
}
