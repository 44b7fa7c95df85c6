import Foundation
import TestSupport
import XCTest

/// The capture check of the end-to-end tests, on made-up PCM: it finds the reference after leading
/// silence, tells isolated single-frame corrections from real damage, and catches a changed frame,
/// a missing stretch, a doubled stretch and a capture cut short.
final class PCMAlignmentTests: XCTestCase {
    private let reference: [UInt32] = [0] + (1...1_000).map { $0 &* 2_654_435_761 | 1 }
    private let silence = [UInt32](repeating: 0, count: 50)

    private func align(_ capture: [UInt32]) -> PCMAlignment {
        func data(_ frames: [UInt32]) -> Data { frames.withUnsafeBytes { Data($0) } }
        return PCMAlignment(capture: data(capture), reference: data(reference))
    }

    func testFindsTheReferenceAndTellsCorrectionsFromDamage() {
        let exact = align(silence + reference + silence)
        XCTAssertEqual(exact.offsetFrames, 50)
        XCTAssertTrue(exact.silentBefore && exact.isComplete && exact.silentAfter)
        XCTAssertEqual(exact.corrections, 0)

        // One frame repeated before 300, frame 700 dropped.
        let corrected = align(silence + reference[..<300] + [reference[299]] + reference[300..<700] + reference[701...] + silence)
        XCTAssertTrue(corrected.isComplete && corrected.silentAfter)
        XCTAssertEqual(corrected.insertedBefore, [300])
        XCTAssertEqual(corrected.dropped, [700])
        XCTAssertEqual(corrected.closestCorrections, 400)

        var changed = silence + reference
        changed[50 + 400] ^= 1
        XCTAssertEqual(align(changed).breakFrame, 400)

        XCTAssertEqual(align(silence + reference[..<400] + reference[440...]).breakFrame, 400, "40 frames missing")

        let doubledTail = align(silence + reference + reference[900..<940])
        XCTAssertTrue(doubledTail.isComplete)
        XCTAssertFalse(doubledTail.silentAfter, "audio after the end: doubled")
        XCTAssertEqual(align(silence + reference[..<500] + reference[460...]).breakFrame, 500, "40 frames doubled")

        XCTAssertEqual(align(silence + reference[..<600]).breakFrame, 600, "cut short")
        XCTAssertNil(align(silence).offsetFrames)
    }
}
