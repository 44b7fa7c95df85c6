import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport
import XCTest

@testable import Transport

/// The payload stamper (``PayloadStamper``) over real sockets on 127.0.0.1: outgoing payloads are stamped on
/// the link's event loop right before they are written — after the connection was made, not when `send`
/// queued them — and arriving ones in `channelRead`, before the lane's sequence, every wait bounded.
final class TransportStampingTests: XCTestCase {
    /// Stamps payloads that start with "T" with a monotonic clock: the outgoing stamp goes into bytes 1...8,
    /// the incoming one is returned; others are left alone.
    final class TestStamper: PayloadStamper {
        let clock = ContinuousClock()
        let origin: ContinuousClock.Instant
        let outgoing = NIOLockedValueBox<[(peer: String, lane: Lane, at: Int64, onEventLoop: Bool)]>([])

        init(origin: ContinuousClock.Instant) { self.origin = origin }

        func now() -> Int64 {
            let (seconds, attoseconds) = (clock.now - origin).components
            return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        }

        func stampOutgoing(_ payload: inout ByteBuffer, to peer: String, lane: Lane) -> Bool {
            guard payload.readableBytes == 9, payload.getInteger(at: payload.readerIndex, as: UInt8.self) == UInt8(ascii: "T")
            else { return false }
            let at = now()
            payload.setInteger(at, at: payload.readerIndex + 1, endianness: .little)
            let onEventLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
            outgoing.withLockedValue { $0.append((peer, lane, at, onEventLoop)) }
            return true
        }

        func stampIncoming(_ payload: ByteBuffer, from peer: String, lane: Lane) -> Int64? {
            payload.getInteger(at: payload.readerIndex, as: UInt8.self) == UInt8(ascii: "T") ? now() : nil
        }
    }

    func testPayloadsAreStampedWhereTheyMeetTheSocket() async throws {
        let origin = ContinuousClock.now
        let stamper = TestStamper(origin: origin)
        let cluster = try await TestCluster.start(["a", "b"])
        for transport in cluster.transports.values { transport.setPayloadStamper(stamper) }
        // Queued before the links connect: stamped when written, not when sent.
        let queuedAt = stamper.now()
        var probe = ByteBuffer(integer: UInt8(ascii: "T"))
        probe.writeInteger(Int64(-1), endianness: .little)
        XCTAssertEqual(cluster["a"].send(probe, to: "b", lane: .control), .queued)
        XCTAssertEqual(cluster["a"].send(Array("plain".utf8), to: "b", lane: .control), .queued)
        try await eventually("every link connected") { cluster.allConnected() }
        XCTAssertEqual(cluster["b"].send(probe, to: "a", lane: .bulk), .queued)
        let atB = cluster.collectors["b"]![.control]!
        let atA = cluster.collectors["a"]![.bulk]!
        try await eventually("2 payloads at b (\(atB.received.count)), 1 at a (\(atA.received.count))") {
            atB.received.count == 2 && atA.received.count == 1
        }
        let stamps = stamper.outgoing.withLockedValue { $0 }
        XCTAssertEqual(stamps.map(\.peer), ["b", "a"])
        XCTAssertEqual(stamps.map(\.lane), [.control, .bulk])
        for (message, sent) in [(atB.received[0], stamps[0]), (atA.received[0], stamps[1])] {
            // The stamp written into the bytes is the one taken on the event loop; the arrival stamp follows it.
            XCTAssertEqual(message.payload.getInteger(at: message.payload.readerIndex + 1, endianness: .little, as: Int64.self), sent.at)
            let arrival = try XCTUnwrap(message.stamp)
            XCTAssertGreaterThanOrEqual(arrival, sent.at)
            XCTAssertLessThanOrEqual(arrival, stamper.now())
        }
        let plain = atB.received[1]
        XCTAssertEqual(Array(plain.payload.readableBytesView), Array("plain".utf8))
        XCTAssertNil(plain.stamp)
        // Stamped by the link on its event loop (the first while its link was still connecting when sent).
        XCTAssertEqual(stamps.map(\.onEventLoop), [true, true])
        XCTAssertGreaterThan(stamps[0].at, queuedAt)
        XCTAssertEqual(probe.getInteger(at: 1, endianness: .little, as: Int64.self), -1, "the caller's buffer is not changed")
        await cluster.shutdown()
    }
}
