import XCTest

@testable import Media

/// The cutting rules on hand-made packet sequences.
final class FragmentCutterTests: XCTestCase {
    private func audio(_ pts: Int64, duration: Int64 = 10) -> MediaPacket {
        MediaPacket(track: .audio, pts: pts, dts: pts, duration: duration, isKeyframe: true, data: [0])
    }
    private func video(_ pts: Int64, key: Bool) -> MediaPacket {
        MediaPacket(track: .video, pts: pts, dts: pts, duration: 10, isKeyframe: key, data: [0])
    }

    func testAudioCutsAtTheNearestPacketBoundary() {
        // Target 25 ticks, packets of 10: boundaries at 20 and 30 are equally near;
        // the earlier one (20 >= 25 - 5) wins.
        var cutter = FragmentCutter(reference: .audio, targetSeconds: 25, timeBase: TimeBase(1, 1))
        let decisions = stride(from: 0, to: 80, by: 10).map { cutter.decide(audio(Int64($0))) }
        XCTAssertEqual(
            decisions, [.append, .append, .cut(start: 20), .append, .cut(start: 40), .append, .cut(start: 60), .append])
    }

    func testVideoCutsOnlyAtKeyframesAtLeastTheTargetAfterTheStart() {
        var cutter = FragmentCutter(reference: .video, targetSeconds: 20, timeBase: TimeBase(1, 1))
        XCTAssertEqual(cutter.decide(audio(-5)), .append)
        XCTAssertEqual(cutter.decide(video(-2, key: false)), .drop, "nothing decodable before the first keyframe")
        XCTAssertEqual(cutter.decide(video(0, key: true)), .append)
        XCTAssertEqual(cutter.decide(video(15, key: true)), .append, "too early")
        XCTAssertEqual(cutter.decide(video(25, key: false)), .append, "not a keyframe")
        XCTAssertEqual(cutter.decide(audio(30)), .append, "audio never cuts")
        XCTAssertEqual(cutter.decide(video(31, key: true)), .cut(start: 31))
        XCTAssertEqual(cutter.decide(video(45, key: true)), .append)
        XCTAssertEqual(cutter.decide(video(51, key: true)), .cut(start: 51))
    }

    func testVideoWithoutKeyframesIsCutAtTheLimit() {
        var cutter = FragmentCutter(reference: .video, targetSeconds: 2, timeBase: TimeBase(1, 1))
        XCTAssertEqual(cutter.limit, 30)
        XCTAssertEqual(cutter.decide(video(0, key: true)), .append)
        XCTAssertEqual(cutter.decide(video(29, key: false)), .append)
        XCTAssertEqual(cutter.decide(video(30, key: false)), .cut(start: 30), "no keyframe for 30 s")
        XCTAssertEqual(cutter.decide(video(31, key: true)), .append, "2 s target counts from the forced cut")
        XCTAssertEqual(cutter.decide(video(32, key: true)), .cut(start: 32))
    }
}
