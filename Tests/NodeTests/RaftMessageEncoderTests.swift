import NIOCore
import Raft
import XCTest

@testable import Node

final class RaftMessageEncoderTests: XCTestCase {
    /// The parts' concatenation is exactly the codec's encoding, for every kind of message.
    func testPartsConcatenateToTheCodecsBytes() throws {
        let encoder = RaftMessageEncoder()
        var rng = SplitMix64(seed: 11)
        for _ in 0..<2000 {
            let message = RaftMessageCodecTests.randomMessage(using: &rng)
            var joined = ByteBuffer()
            for var part in encoder.parts(of: message) { joined.writeBuffer(&part) }
            XCTAssertEqual(Array(joined.readableBytesView), Array(RaftMessageCodec.encode(message).readableBytesView))
            XCTAssertEqual(try RaftMessageCodec.decode(joined), message)
        }
    }

    /// A leader's appends of the same entries to two followers share one encoding of the entries; other
    /// entries (a lagging follower's) get their own.
    func testTheSameEntriesAreEncodedOnceForEveryFollower() throws {
        let encoder = RaftMessageEncoder()
        let entries = (7...9).map { Entry(term: 2, index: UInt64($0), data: [UInt8](repeating: UInt8($0), count: 1000)) }
        let toTwo = Message(type: .appendEntries, from: 1, to: 2, term: 2, logTerm: 2, index: 6, entries: entries, commit: 5)
        let toThree = Message(type: .appendEntries, from: 1, to: 3, term: 2, logTerm: 2, index: 6, entries: entries, commit: 4)
        let partsTwo = encoder.parts(of: toTwo)
        let partsThree = encoder.parts(of: toThree)
        XCTAssertEqual(partsTwo.count, 2)
        XCTAssertEqual(partsTwo[0].readableBytes, RaftMessageCodec.headerSize)
        // The same storage: the second follower's frame is written from the first encoding.
        let sameMemory = partsTwo[1].withUnsafeReadableBytes { a in
            partsThree[1].withUnsafeReadableBytes { b in a.baseAddress == b.baseAddress }
        }
        XCTAssertTrue(sameMemory)
        for (message, parts) in [(toTwo, partsTwo), (toThree, partsThree)] {
            var joined = ByteBuffer()
            for var part in parts { joined.writeBuffer(&part) }
            XCTAssertEqual(try RaftMessageCodec.decode(joined), message)
        }
        // A lagging follower's run (from index 8) is encoded on its own, and decodes to its own entries.
        let lagging = Message(type: .appendEntries, from: 1, to: 3, term: 2, logTerm: 2, index: 7, entries: Array(entries[1...]))
        let partsLagging = encoder.parts(of: lagging)
        var joined = ByteBuffer()
        for var part in partsLagging { joined.writeBuffer(&part) }
        XCTAssertEqual(try RaftMessageCodec.decode(joined), lagging)
        // A new leader's entry at the same index in a later term is not mistaken for the old one.
        let rewritten = Message(type: .appendEntries, from: 1, to: 2, term: 3, logTerm: 2, index: 6,
                                entries: [entries[0], entries[1], Entry(term: 3, index: 9, data: [1, 2, 3])])
        joined = ByteBuffer()
        for var part in encoder.parts(of: rewritten) { joined.writeBuffer(&part) }
        XCTAssertEqual(try RaftMessageCodec.decode(joined), rewritten)
    }
}
