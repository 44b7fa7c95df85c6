import Broadcast
import NIOCore
import Node
import Raft
import XCTest

/// The clock-sync wire format: exact layout, round trips, routing against Raft's codec, and hostile
/// bytes (random, truncated, extended, mutated) that must be refused without a trap.
final class ClockSyncCodecTests: XCTestCase {
    private func randomResponse(_ random: inout SplitMix64) -> ClockSyncResponse {
        let limit = ClockSyncCodec.maximumTimeMagnitude - 1
        return ClockSyncResponse(
            id: random.next(), clientSend: .nanoseconds(Int64.random(in: -limit...limit, using: &random)),
            serverReceive: ClusterTime(nanoseconds: Int64.random(in: -limit...limit, using: &random)),
            serverSend: ClusterTime(nanoseconds: Int64.random(in: -limit...limit, using: &random)),
            serverErrorBound: .nanoseconds(Int64.random(in: 0...limit, using: &random)))
    }

    func testLayoutIsTheDocumentedOne() {
        let probe = ClockSyncCodec.encode(.probe(ClockSyncProbe(id: 0x0102_0304_0506_0708, clientSend: .nanoseconds(258))))
        XCTAssertEqual(
            Array(buffer: probe),
            [0xC5, 1, 8, 7, 6, 5, 4, 3, 2, 1, 2, 1, 0, 0, 0, 0, 0, 0])
        let response = ClockSyncCodec.encode(
            .response(
                ClockSyncResponse(
                    id: 1, clientSend: .nanoseconds(-1), serverReceive: ClusterTime(nanoseconds: 2),
                    serverSend: ClusterTime(nanoseconds: 3), serverErrorBound: .nanoseconds(4))))
        XCTAssertEqual(
            Array(buffer: response),
            [0xC5, 2, 1, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8) + [2, 0, 0, 0, 0, 0, 0, 0]
                + [3, 0, 0, 0, 0, 0, 0, 0] + [4, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(probe.readableBytes, ClockSyncCodec.probeSize)
        XCTAssertEqual(response.readableBytes, ClockSyncCodec.responseSize)
    }

    func testRoundTripsOfRandomMessages() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let probe = ClockSyncProbe(
                id: random.next(),
                clientSend: .nanoseconds(Int64.random(in: 0..<ClockSyncCodec.maximumTimeMagnitude, using: &random)))
            XCTAssertEqual(try ClockSyncCodec.decode(ClockSyncCodec.encode(.probe(probe))), .probe(probe))
            let response = randomResponse(&random)
            XCTAssertEqual(try ClockSyncCodec.decode(ClockSyncCodec.encode(.response(response))), .response(response))
        }
    }

    func testRoutingByFirstByteSeparatesClockSyncFromRaft() throws {
        let raft = RaftMessageCodec.encode(Message(type: .heartbeat, from: 1, to: 2, term: 3))
        XCTAssertNotEqual(ClockSyncCodec.format, RaftMessageCodec.version)
        XCTAssertFalse(ClockSyncCodec.isClockSync(raft))
        XCTAssertThrowsError(try ClockSyncCodec.decode(raft)) {
            XCTAssertEqual($0 as? ClockSyncCodecError, .wrongFormat(RaftMessageCodec.version))
        }
        let clock = ClockSyncCodec.encode(.probe(ClockSyncProbe(id: 9, clientSend: .seconds(1))))
        XCTAssertTrue(ClockSyncCodec.isClockSync(clock))
        XCTAssertThrowsError(try RaftMessageCodec.decode(clock)) {
            XCTAssertEqual($0 as? RaftMessageCodecError, .unsupportedVersion(ClockSyncCodec.format))
        }
        XCTAssertFalse(ClockSyncCodec.isClockSync(ByteBuffer()))
    }

    func testEachRefusalNamesItsReason() {
        func refusal(_ bytes: [UInt8]) -> ClockSyncCodecError? {
            do {
                _ = try ClockSyncCodec.decode(bytes)
                return nil
            } catch { return error }
        }
        let probe = Array(buffer: ClockSyncCodec.encode(.probe(ClockSyncProbe(id: 1, clientSend: .seconds(2)))))
        XCTAssertEqual(refusal([]), .empty)
        XCTAssertEqual(refusal([0xC5]), .wrongLength(kind: 0, expected: ClockSyncCodec.probeSize, actual: 1))
        XCTAssertEqual(refusal([0xC5, 3]), .unknownKind(3))
        XCTAssertEqual(refusal(Array(probe.dropLast())), .wrongLength(kind: 1, expected: 18, actual: 17))
        XCTAssertEqual(refusal(probe + [0]), .wrongLength(kind: 1, expected: 18, actual: 19))
        var response = Array(buffer: ClockSyncCodec.encode(.response(
            ClockSyncResponse(
                id: 1, clientSend: .seconds(1), serverReceive: ClusterTime(nanoseconds: 5),
                serverSend: ClusterTime(nanoseconds: 6), serverErrorBound: .zero))))
        response.replaceSubrange(34..<42, with: [0, 0, 0, 0, 0, 0, 0, 0x20])
        XCTAssertEqual(refusal(response), .timeOutOfRange(field: "serverErrorBound", nanoseconds: 1 << 61))
        response.replaceSubrange(34..<42, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(refusal(response), .negativeErrorBound(-1))
        response.replaceSubrange(34..<42, with: [UInt8](repeating: 0, count: 8))
        response.replaceSubrange(18..<26, with: [0, 0, 0, 0, 0, 0, 0, 0x80])
        XCTAssertEqual(refusal(response), .timeOutOfRange(field: "serverReceive", nanoseconds: Int64.min))
    }

    /// The transport's stamps (``ClockSyncService``'s ``PayloadStamper``) overwrite t0 of a probe and t2 of a
    /// response in place, and nothing else: not the other kind, not a buffer of another length or format, not
    /// a time out of range, not a t2 before t1.
    func testStampsOverwriteOnlyTheirFieldOfAnExactMessage() throws {
        var probe = ClockSyncCodec.encode(.probe(ClockSyncProbe(id: 7, clientSend: .nanoseconds(100))))
        XCTAssertTrue(ClockSyncCodec.stampClientSend(.nanoseconds(250), into: &probe))
        XCTAssertEqual(try ClockSyncCodec.decode(probe), .probe(ClockSyncProbe(id: 7, clientSend: .nanoseconds(250))))
        let original = ClockSyncResponse(
            id: 7, clientSend: .nanoseconds(250), serverReceive: ClusterTime(nanoseconds: 1_000),
            serverSend: ClusterTime(nanoseconds: 1_010), serverErrorBound: .nanoseconds(3))
        var response = ClockSyncCodec.encode(.response(original))
        XCTAssertFalse(ClockSyncCodec.stampClientSend(.nanoseconds(1), into: &response), "a response's t0 is the echo")
        XCTAssertFalse(ClockSyncCodec.stampServerSend(ClusterTime(nanoseconds: 999), into: &response), "t2 before t1")
        XCTAssertFalse(ClockSyncCodec.stampServerSend(ClusterTime(nanoseconds: 1 << 62), into: &response), "out of range")
        XCTAssertFalse(ClockSyncCodec.stampServerSend(ClusterTime(nanoseconds: 2_000), into: &probe), "a probe has no t2")
        XCTAssertEqual(try ClockSyncCodec.decode(response), .response(original))
        XCTAssertTrue(ClockSyncCodec.stampServerSend(ClusterTime(nanoseconds: 1_500), into: &response))
        var stamped = original
        stamped.serverSend = ClusterTime(nanoseconds: 1_500)
        XCTAssertEqual(try ClockSyncCodec.decode(response), .response(stamped))
        // A message inside a larger buffer (a frame's slice) is stamped at its own offsets.
        var framed = ByteBuffer(bytes: [9, 9, 9])
        framed.writeImmutableBuffer(ClockSyncCodec.encode(.probe(ClockSyncProbe(id: 8, clientSend: .nanoseconds(1)))))
        framed.moveReaderIndex(forwardBy: 3)
        XCTAssertTrue(ClockSyncCodec.stampClientSend(.nanoseconds(42), into: &framed))
        XCTAssertEqual(try ClockSyncCodec.decode(framed), .probe(ClockSyncProbe(id: 8, clientSend: .nanoseconds(42))))
        // Anything else is left as it is: one byte more, another format, a Raft message's first byte.
        for bytes in [Array(buffer: probe) + [0], [0x01] + Array(buffer: probe).dropFirst(), [UInt8]()] {
            var buffer = ByteBuffer(bytes: bytes)
            XCTAssertFalse(ClockSyncCodec.stampClientSend(.nanoseconds(5), into: &buffer))
            XCTAssertEqual(Array(buffer: buffer), bytes)
        }
    }

    /// Random byte strings, and valid messages truncated, extended and with bytes flipped: decoding
    /// refuses or succeeds, never traps, and whatever it accepts turns into a sample whose
    /// arithmetic (offset, delay, consistency) does not overflow.
    func testHostileBytesNeverTrap() {
        var random = SplitMix64(seed: 42)
        var accepted = 0
        var refused = 0
        func check(_ bytes: [UInt8]) {
            do {
                let message = try ClockSyncCodec.decode(bytes)
                accepted += 1
                if case .response(let response) = message {
                    let sample = ClockSample(response: response, receivedAt: response.clientSend + .milliseconds(1))
                    _ = (sample.offsetNanoseconds, sample.delayNanoseconds, sample.isConsistent, sample.midpoint)
                }
            } catch {
                refused += 1
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...64, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            if !bytes.isEmpty && Bool.random(using: &random) { bytes[0] = ClockSyncCodec.format }
            check(bytes)
        }
        for _ in 0..<5_000 {
            let message: ClockSyncMessage =
                Bool.random(using: &random)
                ? .probe(ClockSyncProbe(id: random.next(), clientSend: .nanoseconds(Int64.random(in: 0...1 << 50, using: &random))))
                : .response(randomResponse(&random))
            var bytes = Array(buffer: ClockSyncCodec.encode(message))
            switch Int.random(in: 0..<3, using: &random) {
            case 0: bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            case 1: bytes += (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                }
            }
            check(bytes)
        }
        XCTAssertGreaterThan(accepted, 500, "mutations that keep the length and format decode")
        XCTAssertGreaterThan(refused, 5_000)
    }
}
