import NIOCore
import Raft
import XCTest

@testable import Node

final class RaftMessageCodecTests: XCTestCase {
    /// The documented layout, byte by byte, for one small message.
    func testGoldenBytesMatchTheDocumentedLayout() throws {
        let message = Message(
            type: .appendEntries, from: 0x0102, to: 3, term: 4, logTerm: 5, index: 6,
            entries: [Entry(term: 4, index: 7, kind: .confChange, data: [0xAA, 0xBB])],
            commit: 8, reject: true, rejectHint: 9,
            snapshot: Snapshot(metadata: SnapshotMetadata(index: 10, term: 11, confState: ConfState(voters: [12], learners: [])),
                               data: [0xCC]),
            context: 13)
        func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
        var expected: [UInt8] = [1, 1, 0b11]
        for v: UInt64 in [0x0102, 3, 4, 5, 6, 8, 9, 13] { expected += u64(v) }
        expected += u32(1)
        expected += u64(4) + u64(7) + [1] + u32(2) + [0xAA, 0xBB]
        expected += u64(10) + u64(11) + u32(1) + u64(12) + u32(0) + u32(1) + [0xCC]
        let encoded = RaftMessageCodec.encode(message)
        XCTAssertEqual(Array(encoded.readableBytesView), expected)
        XCTAssertEqual(RaftMessageCodec.encodedSize(of: message), expected.count)
        XCTAssertEqual(try RaftMessageCodec.decode(encoded), message)
        XCTAssertEqual(try RaftMessageCodec.decode(expected), message)
    }

    func testEveryMessageTypeRoundTrips() throws {
        for type in MessageType.allCases {
            let message = Message(type: type, from: 1, to: 2, term: 3, logTerm: 4, index: 5, commit: 6,
                                  reject: type == .voteResponse, rejectHint: 7, context: .max)
            XCTAssertEqual(try RaftMessageCodec.decode(RaftMessageCodec.encode(message)), message, "\(type)")
        }
    }

    func testRandomMessagesRoundTrip() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<3000 {
            let message = Self.randomMessage(using: &rng)
            let encoded = RaftMessageCodec.encode(message)
            XCTAssertEqual(encoded.readableBytes, RaftMessageCodec.encodedSize(of: message))
            XCTAssertEqual(try RaftMessageCodec.decode(encoded), message)
        }
    }

    func testLargeEntryRoundTripsThroughAByteBufferSlice() throws {
        var data = [UInt8](repeating: 0x33, count: 4 << 20)
        for i in stride(from: 0, to: data.count, by: 4093) { data[i] = UInt8(truncatingIfNeeded: i) }
        let message = Message(type: .appendEntries, from: 1, to: 2, entries: [Entry(term: 1, index: 1, data: data)])
        // As the transport hands it over: a slice of a larger buffer.
        var frame = ByteBuffer(bytes: [9, 9, 9])
        frame.writeImmutableBuffer(RaftMessageCodec.encode(message))
        frame.moveReaderIndex(forwardBy: 3)
        let decoded = try RaftMessageCodec.decode(frame)
        XCTAssertEqual(decoded.entries.first?.data, data)
    }

    func testTruncationAtEveryOffsetIsAnError() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20 {
            let bytes = Array(RaftMessageCodec.encode(Self.randomMessage(using: &rng, maxData: 16)).readableBytesView)
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try RaftMessageCodec.decode(Array(bytes[0..<cut])), "cut at \(cut) of \(bytes.count)")
            }
            XCTAssertThrowsError(try RaftMessageCodec.decode(bytes + [0])) { error in
                XCTAssertEqual(error as? RaftMessageCodecError, .trailingBytes(1))
            }
        }
    }

    func testHostileCountsAreRefusedBeforeAllocating() {
        var header = Array(RaftMessageCodec.encode(Message(type: .appendEntries, from: 1, to: 2)).readableBytesView)
        // entry count 0xFFFFFFFF with no bytes behind it
        header.replaceSubrange(67..<71, with: [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertThrowsError(try RaftMessageCodec.decode(header)) { error in
            XCTAssertEqual(error as? RaftMessageCodecError, .countTooLarge(what: "entries", count: .max, remaining: 0))
        }
        // one entry announcing 4 GiB of data
        var entry = Array(RaftMessageCodec.encode(Message(type: .appendEntries, from: 1, to: 2,
                                                          entries: [Entry(term: 1, index: 1, data: [1])])).readableBytesView)
        entry.replaceSubrange(88..<92, with: [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertThrowsError(try RaftMessageCodec.decode(entry)) { error in
            XCTAssertEqual(error as? RaftMessageCodecError, .countTooLarge(what: "entry data bytes", count: .max, remaining: 1))
        }
        var badType = header
        badType[1] = 99
        XCTAssertThrowsError(try RaftMessageCodec.decode(badType)) {
            XCTAssertEqual($0 as? RaftMessageCodecError, .unknownMessageType(99))
        }
        var badFlags = header
        badFlags[2] = 0x80
        XCTAssertThrowsError(try RaftMessageCodec.decode(badFlags)) {
            XCTAssertEqual($0 as? RaftMessageCodecError, .invalidFlags(0x80))
        }
        let unsorted = Message(type: .installSnapshot, from: 1, to: 2, snapshot: Snapshot(
            metadata: SnapshotMetadata(index: 1, term: 1, confState: ConfState(voters: [1, 2]))))
        var unsortedBytes = Array(RaftMessageCodec.encode(unsorted).readableBytesView)
        unsortedBytes.swapAt(71 + 20, 71 + 28)  // first bytes of voter ids 1 and 2
        XCTAssertThrowsError(try RaftMessageCodec.decode(unsortedBytes)) {
            XCTAssertEqual($0 as? RaftMessageCodecError, .membersNotSorted("voters"))
        }
        var badVersion = header
        badVersion[0] = 2
        XCTAssertThrowsError(try RaftMessageCodec.decode(badVersion)) {
            XCTAssertEqual($0 as? RaftMessageCodecError, .unsupportedVersion(2))
        }
    }

    /// One million mutated encodings: flipped bits, overwritten bytes, cut,
    /// extended and spliced. Decoding never traps; whatever decodes re-encodes
    /// to exactly the bytes it came from (the format has one encoding per message).
    func testFuzzOneMillionMutatedMessages() throws {
        var rng = SplitMix64(seed: 0xF022)
        let seeds = (0..<64).map { _ in Array(RaftMessageCodec.encode(Self.randomMessage(using: &rng, maxData: 12)).readableBytesView) }
        var decodedCount = 0
        var reencodingMismatches = 0
        var bytes: [UInt8]
        for iteration in 0..<1_000_000 {
            bytes = seeds[iteration & 63]
            switch UInt8.random(in: 0...4, using: &rng) {
            case 0:
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 2:
                bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
            case 3:
                let other = seeds[Int.random(in: 0..<64, using: &rng)]
                let cut = Int.random(in: 0...min(bytes.count, other.count), using: &rng)
                bytes.replaceSubrange(cut..., with: other[cut...])
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 0xFF
            default:
                // Counts and lengths are where hostile input bites: overwrite one with a random u32.
                let at = Int.random(in: 0..<max(1, bytes.count - 4), using: &rng)
                let value = UInt32.random(in: 0...UInt32.max, using: &rng)
                for k in 0..<min(4, bytes.count - at) { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
            }
            if let message = try? RaftMessageCodec.decode(bytes) {
                decodedCount += 1
                if decodedCount % 16 == 0 || message.snapshot != nil,
                   Array(RaftMessageCodec.encode(message).readableBytesView) != bytes {
                    reencodingMismatches += 1
                }
            }
        }
        XCTAssertGreaterThan(decodedCount, 1000, "mutations should sometimes yield valid messages")
        XCTAssertEqual(reencodingMismatches, 0, "decoded messages must re-encode to the same bytes")
    }

    static func randomMessage(using rng: inout SplitMix64, maxData: Int = 64) -> Message {
        func u64() -> UInt64 { Bool.random(using: &rng) ? UInt64.random(in: 0...1000, using: &rng) : rng.next() }
        let entries = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            Entry(term: u64(), index: u64(), kind: EntryKind.allCases.randomElement(using: &rng)!,
                  data: (0..<Int.random(in: 0...maxData, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        var snapshot: Snapshot?
        if Int.random(in: 0..<4, using: &rng) == 0 {
            snapshot = Snapshot(
                metadata: SnapshotMetadata(index: u64(), term: u64(), confState: ConfState(
                    voters: (0..<Int.random(in: 0...5, using: &rng)).map { _ in u64() },
                    learners: (0..<Int.random(in: 0...2, using: &rng)).map { _ in u64() })),
                data: (0..<Int.random(in: 0...maxData, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        var message = Message(type: MessageType.allCases.randomElement(using: &rng)!, from: u64(), to: u64(), term: u64(),
                              logTerm: u64(), index: u64(), entries: entries, commit: u64(), reject: Bool.random(using: &rng),
                              rejectHint: u64(), snapshot: snapshot, context: u64())
        // Half of the rejected append responses flag a log loss (drawn from the term: the generator's sequence stays).
        message.logLoss = message.type == .appendResponse && message.reject && message.term % 2 == 0
        return message
    }

    /// A rejection flagging a log loss sets flags bit 2; every other byte is as before, and a
    /// message without the flag encodes exactly as version 1 always did (older nodes read it).
    func testLogLossFlagIsBitTwoOfARejectedAppendResponse() throws {
        let flagged = Message(type: .appendResponse, from: 2, to: 1, term: 3, logTerm: 2, index: 40, reject: true,
                              rejectHint: 17, logLoss: true)
        var plain = flagged
        plain.logLoss = false
        let flaggedBytes = Array(RaftMessageCodec.encode(flagged).readableBytesView)
        let plainBytes = Array(RaftMessageCodec.encode(plain).readableBytesView)
        XCTAssertEqual(plainBytes[2], 0b001)
        XCTAssertEqual(flaggedBytes[2], 0b101)
        XCTAssertEqual(Array(flaggedBytes[3...]), Array(plainBytes[3...]))
        XCTAssertEqual(flaggedBytes.count, RaftMessageCodec.headerSize)
        XCTAssertEqual(try RaftMessageCodec.decode(flaggedBytes), flagged)
        XCTAssertEqual(try RaftMessageCodec.decode(plainBytes), plain)
        // The flag qualifies only a rejected append response.
        var notRejected = flaggedBytes
        notRejected[2] = 0b100
        XCTAssertThrowsError(try RaftMessageCodec.decode(notRejected)) {
            XCTAssertEqual($0 as? RaftMessageCodecError, .invalidFlags(0b100))
        }
        var otherType = flaggedBytes
        otherType[1] = MessageType.voteResponse.rawValue
        XCTAssertThrowsError(try RaftMessageCodec.decode(otherType)) {
            XCTAssertEqual($0 as? RaftMessageCodecError, .invalidFlags(0b101))
        }
    }
}
