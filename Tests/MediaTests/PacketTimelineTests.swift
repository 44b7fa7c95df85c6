import XCTest

@testable import Media

/// `PacketTimeline`'s rules on hand-made packets, at the edges of each limit (1 tick = 1 ms here).
final class PacketTimelineTests: XCTestCase {
    private let timeBase = TimeBase(1, 1000)

    private func packet(_ dts: Int64?, pts: Int64? = nil, duration: Int64 = 20) -> MediaPacket {
        MediaPacket(track: .audio, pts: pts ?? dts, dts: dts, duration: duration, isKeyframe: true, data: [0])
    }

    private func timeline() throws -> PacketTimeline {
        try XCTUnwrap(PacketTimeline(track: .audio, timeBase: timeBase))
    }

    func testAContinuousTrackPasses() throws {
        var t = try timeline()
        for i in 0..<1000 { XCTAssertNil(t.check(packet(Int64(i) * 20 - 21))) }
        XCTAssertNil(t.check(packet(nil)), "untimed packets pass")
        XCTAssertNil(t.check(packet(19_979)), "an equal decode time is tolerated")
    }

    func testGapsAreMeasuredFromThePreviousPacketsEnd() throws {
        var t = try timeline()
        XCTAssertNil(t.check(packet(0, duration: 20)))
        XCTAssertNil(t.check(packet(10_020)), "10 s after the end of a 20-ms packet")
        XCTAssertEqual(
            t.check(packet(20_041)),
            "audio timestamps jump from 10.020 s to 20.041 s (more than 10 s beyond the previous packet's end)")
        XCTAssertNil(t.check(packet(20_040)), "a refused packet is not recorded")
    }

    func testDecodeTimesMustNotGoBack() throws {
        var t = try timeline()
        XCTAssertNil(t.check(packet(1000)))
        XCTAssertEqual(t.check(packet(999)), "audio decode times go back from 1.000 s to 0.999 s")
    }

    func testTimesOutsideTheProgrammeAreRefused() throws {
        let week = MediaLimits.maximumProgrammeSeconds * 1000
        var t = try timeline()
        XCTAssertNil(t.check(packet(-10_000)), "the earliest time")
        XCTAssertEqual(t.check(packet(-10_001)), "audio timestamp -10.001 s outside −10 s … 7 days (the maximum programme length)")
        var u = try timeline()
        XCTAssertNil(u.check(packet(week)), "the latest time")
        for time in [week + 1, Int64.max, Int64.min, Int64.min + 1] {
            XCTAssertNotNil(u.check(packet(time)), "\(time)")
            XCTAssertNotNil(u.check(packet(week, pts: time)), "pts \(time)")
        }
    }

    func testDurationsAndReorderingAreBounded() throws {
        var t = try timeline()
        XCTAssertEqual(t.check(packet(0, duration: -1)), "audio packet declares a duration of -0.001 s (0 … 60 s allowed)")
        XCTAssertNotNil(t.check(packet(0, duration: 60_001)))
        XCTAssertNotNil(t.check(packet(0, duration: Int64.max)))
        XCTAssertNil(t.check(packet(0, duration: 60_000)))
        XCTAssertNil(t.check(packet(100, pts: 10_100)))
        XCTAssertEqual(
            t.check(packet(200, pts: 10_201)), "audio packet presented 10.201 s but decoded 0.200 s (more than 10 s apart)")
    }

    func testTimeBasesThatAreNotPositiveFractionsHaveNoTimeline() {
        for timeBase in [TimeBase(0, 1), TimeBase(1, 0), TimeBase(-1, 1000), TimeBase(1, -1000)] {
            XCTAssertNil(PacketTimeline(track: .audio, timeBase: timeBase), "\(timeBase)")
        }
        // The finest time base a file can declare still holds 7 days in Int64.
        XCTAssertNotNil(PacketTimeline(track: .video, timeBase: TimeBase(1, .max)))
    }
}
