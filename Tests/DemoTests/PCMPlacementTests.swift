import Foundation
import XCTest

/// The capture check the failover tests rely on, on made-up PCM: it must find the reference after
/// leading silence, and catch a missing, a changed and a doubled stretch.
final class PCMPlacementTests: XCTestCase {
    private let reference: [UInt8] = [0, 0, 0, 0] + (1...400).map { UInt8(truncatingIfNeeded: $0 &* 37 | 1) }
    private let silence = [UInt8](repeating: 0, count: 64)

    func testFindsTheReferenceAfterSilenceAndCatchesEveryDefect() {
        let exact = PCMPlacement(capture: Data(silence + reference + silence), reference: Data(reference))
        XCTAssertEqual(exact.offset, 64)
        XCTAssertTrue(exact.silentBefore && exact.matches && exact.silentAfter)

        var changed = silence + reference
        changed[64 + 200] ^= 1
        let altered = PCMPlacement(capture: Data(changed), reference: Data(reference))
        XCTAssertFalse(altered.matches)
        XCTAssertEqual(altered.firstDifference, 200)

        let missing = PCMPlacement(capture: Data(silence + reference[0..<200] + reference[240...]), reference: Data(reference))
        XCTAssertFalse(missing.matches)

        let doubled = PCMPlacement(capture: Data(silence + reference + reference[100..<140]), reference: Data(reference))
        XCTAssertTrue(doubled.matches)
        XCTAssertFalse(doubled.silentAfter)

        let cut = PCMPlacement(capture: Data(silence + reference[0..<300]), reference: Data(reference))
        XCTAssertFalse(cut.matches)
        XCTAssertEqual(cut.firstDifference, 300)

        XCTAssertNil(PCMPlacement(capture: Data(silence), reference: Data(reference)).offset)
    }
}
