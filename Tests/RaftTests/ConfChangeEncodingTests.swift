import Raft
import XCTest

/// The entry payload of a membership change: the 9-byte form, the form with a context, and hostile bytes.
final class ConfChangeEncodingTests: XCTestCase {
    func testWithoutContextTheEncodingIsTheOriginalNineBytes() {
        let change = ConfChange(.addLearner, node: 0x0102_0304_0506_0708)
        XCTAssertEqual(change.encoded, [1, 8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(ConfChange(encoded: change.encoded), change)
        XCTAssertEqual(ConfChange(encoded: change.encoded)?.context, [])
    }

    func testContextFollowsTheNineBytesWithItsLength() {
        let change = ConfChange(.addVoter, node: 5, context: [0xAA, 0xBB, 0xCC])
        XCTAssertEqual(change.encoded, [0, 5, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0xAA, 0xBB, 0xCC])
        XCTAssertEqual(ConfChange(encoded: change.encoded), change)
        let largest = ConfChange(.remove, node: 9, context: [UInt8](repeating: 7, count: ConfChange.maxContextBytes))
        XCTAssertEqual(ConfChange(encoded: largest.encoded), largest)
    }

    func testAnExplicitEmptyContextDecodes() {
        XCTAssertEqual(ConfChange(encoded: [2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), ConfChange(.remove, node: 4))
    }

    func testTruncatedOversizeAndTrailingBytesDoNotDecode() {
        let good = ConfChange(.addVoter, node: 5, context: [1, 2, 3]).encoded
        for count in 0..<good.count where count != ConfChange.headerBytes {
            XCTAssertNil(ConfChange(encoded: Array(good.prefix(count))), "truncated to \(count) bytes")
        }
        XCTAssertNil(ConfChange(encoded: good + [0]), "a trailing byte")
        XCTAssertNil(ConfChange(encoded: [3, 1, 0, 0, 0, 0, 0, 0, 0]), "unknown operation")
        let oversize = ConfChange(.addVoter, node: 5, context: [UInt8](repeating: 1, count: ConfChange.maxContextBytes + 1))
        XCTAssertNil(ConfChange(encoded: oversize.encoded))
        // A length near UInt32.max with few bytes behind it.
        XCTAssertNil(ConfChange(encoded: [0, 5, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1]))
    }

    func testRandomBytesNeverTrapAndWhatDecodesReencodesCanonically() {
        var rng = SplitMix64(seed: 17)
        var decoded = 0
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 40)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if count > 0 { bytes[0] = UInt8(rng.next() % 4) }
            if count >= 13 {
                // Often a consistent length, so decodable payloads are exercised too.
                if rng.next() % 2 == 0 { bytes.replaceSubrange(9..<13, with: [UInt8(count - 13), 0, 0, 0]) }
            }
            guard let change = ConfChange(encoded: bytes) else { continue }
            decoded += 1
            XCTAssertEqual(ConfChange(encoded: change.encoded), change)
        }
        XCTAssertGreaterThan(decoded, 100)
    }

    func testTheCoreRefusesAnOversizeContextAndCommitsTheContextUntouched() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let oversize = ConfChange(.addLearner, node: 4, context: [UInt8](repeating: 1, count: ConfChange.maxContextBytes + 1))
        XCTAssertThrowsError(try cluster[1].proposeConfChange(oversize)) { error in
            XCTAssertEqual(
                error as? ProposalError,
                .invalidConfChange("the context is \(ConfChange.maxContextBytes + 1) bytes, over \(ConfChange.maxContextBytes)"))
        }
        let change = ConfChange(.addLearner, node: 4, context: Array("room 4".utf8))
        let index = try cluster[1].proposeConfChange(change)
        cluster.stabilize()
        let stored = try cluster.storages[2]!.entries(from: index, to: index + 1, maxBytes: .max)
        XCTAssertEqual(stored.map { ConfChange(encoded: $0.data) }, [change])
        XCTAssertEqual(cluster[2].status.confState, ConfState(voters: [1, 2, 3], learners: [4]))
    }
}
