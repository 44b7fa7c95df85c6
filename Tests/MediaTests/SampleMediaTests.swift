import Foundation
import Media
import XCTest

/// The samples committed in media/ (made by `scripts/make-media.sh samples`).
final class SampleMediaTests: XCTestCase {
    private let media = MediaFixtures.repositoryRoot.appendingPathComponent("media")

    func testSamplesAreSmallAndUsable() throws {
        let mp3 = media.appendingPathComponent("sample.mp3").path
        let mp4 = media.appendingPathComponent("sample.mp4").path
        var total = 0
        for path in [mp3, mp4] {
            let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)
            total += size.intValue
        }
        XCTAssertLessThan(total, 1_000_000)

        let audioOnly = try MediaSource(path: mp3)
        XCTAssertEqual(audioOnly.header.audio.codecName, "mp3")
        XCTAssertNil(audioOnly.header.video)

        let video = try MediaSource(path: mp4)
        XCTAssertEqual(video.header.audio.codecName, "aac")
        XCTAssertEqual(video.header.video?.codecName, "h264")
        let plan = try FragmentPlan(source: video)
        XCTAssertGreaterThanOrEqual(plan.entries.count, 3)
        XCTAssertTrue(plan.entries.allSatisfy { $0.startsWithKeyframe })
        XCTAssertEqual(plan.warnings, [])
    }
}
