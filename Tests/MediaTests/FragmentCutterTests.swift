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

    func testAbsurdTimesNeitherTrapNorStall() {
        // The demuxer refuses such times first; the cutter itself saturates: far ahead cuts, far back appends.
        var audio = FragmentCutter(reference: .audio, targetSeconds: 2, timeBase: TimeBase(1, 48_000))
        XCTAssertEqual(audio.decide(self.audio(Int64.min, duration: Int64.max)), .append)
        XCTAssertEqual(audio.decide(self.audio(Int64.max, duration: Int64.max)), .cut(start: Int64.max))
        XCTAssertEqual(audio.decide(self.audio(Int64.min)), .append)
        XCTAssertEqual(audio.decide(self.audio(1 << 62)), .append, "behind the current start")
        var video = FragmentCutter(reference: .video, targetSeconds: 60, timeBase: TimeBase(1, .max))
        XCTAssertEqual(video.decide(self.video(Int64.min, key: true)), .append)
        XCTAssertEqual(video.decide(self.video(Int64.max, key: false)), .cut(start: Int64.max), "past the limit")
        XCTAssertEqual(video.decide(self.video(Int64.min, key: true)), .append)
    }

    func testTicksOfAnyDurationNeverTrap() {
        let fine = TimeBase(1, .max)
        XCTAssertEqual(fine.ticks(seconds: .infinity), 1 << 62)
        XCTAssertEqual(fine.ticks(seconds: -.infinity), -(1 << 62))
        XCTAssertEqual(fine.ticks(seconds: .nan), 0)
        XCTAssertEqual(fine.ticks(seconds: 1e300), 1 << 62)
        XCTAssertEqual(TimeBase(1, 48_000).ticks(seconds: 2), 96_000)
    }
}
