import NIOCore
import NIOPosix
import TestSupport
import XCTest

@testable import Transport

/// Real sockets on 127.0.0.1 with ephemeral ports; every wait is on a condition with a bound.
final class TransportExchangeTests: XCTestCase {
    func testTwoTransportsExchangeBothWaysOnBothLanes() async throws {
        let cluster = try await TestCluster.start(["a", "b"])
        for lane in Lane.allCases {
            for i in 0..<20 {
                XCTAssertEqual(cluster["a"].send(Array("a\(lane)\(i)".utf8), to: "b", lane: lane), .queued)
                XCTAssertEqual(cluster["b"].send(Array("b\(lane)\(i)".utf8), to: "a", lane: lane), .queued)
            }
        }
        for lane in Lane.allCases {
            let atB = cluster.collectors["b"]![lane]!
            let atA = cluster.collectors["a"]![lane]!
            try await eventually("lane \(lane): 20 messages each way (b got \(atB.received.count), a got \(atA.received.count))") {
                atB.received.count == 20 && atA.received.count == 20
            }
            // In order, from the right peer, on the right lane.
            XCTAssertEqual(atB.payloads(from: "a"), (0..<20).map { Array("a\(lane)\($0)".utf8) })
            XCTAssertEqual(atA.payloads(from: "b"), (0..<20).map { Array("b\(lane)\($0)".utf8) })
            XCTAssertTrue(atB.received.allSatisfy { $0.lane == lane })
        }
        let status = try XCTUnwrap(cluster["a"].linkStatus(peer: "b", lane: .control))
        XCTAssertEqual(status.state, .connected)
        XCTAssertEqual(status.sentMessages, 20)
        XCTAssertEqual(status.queuedBytes, 0)
        await cluster.shutdown()
    }

    /// A payload sent in parts arrives as one payload, their concatenation, in order with whole ones; a
    /// part shared by sends to two peers reaches both intact. A burst of sends shares flushes, so every one
    /// of them must still arrive without anything sent after it.
    func testPayloadInPartsArrivesAsOnePayload() async throws {
        let cluster = try await TestCluster.start(["a", "b", "c"])
        try await eventually("every link connected") { cluster.allConnected() }
        let shared = ByteBuffer(bytes: (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var expected: [[UInt8]] = []
        for i in 0..<30 {
            let head = ByteBuffer(bytes: Array("head\(i):".utf8))
            if i % 3 == 0 {
                XCTAssertEqual(cluster["a"].send(Array("whole\(i)".utf8), to: "b", lane: .bulk), .queued)
                expected.append(Array("whole\(i)".utf8))
            } else {
                XCTAssertEqual(cluster["a"].send(parts: [head, shared], to: "b", lane: .bulk), .queued)
                XCTAssertEqual(cluster["a"].send(parts: [head, shared], to: "c", lane: .bulk), .queued)
                expected.append(Array("head\(i):".utf8) + Array(shared.readableBytesView))
            }
        }
        XCTAssertEqual(cluster["a"].send(parts: [], to: "b", lane: .bulk), .queued)
        expected.append([])
        let atB = cluster.collectors["b"]![.bulk]!
        let atC = cluster.collectors["c"]![.bulk]!
        try await eventually("31 payloads at b (\(atB.received.count)), 20 at c (\(atC.received.count))") {
            atB.received.count == 31 && atC.received.count == 20
        }
        XCTAssertEqual(atB.payloads(from: "a"), expected)
        XCTAssertEqual(atC.payloads(from: "a"), expected.filter { $0.starts(with: Array("head".utf8)) })
        let status = try XCTUnwrap(cluster["a"].linkStatus(peer: "b", lane: .bulk))
        XCTAssertEqual(status.sentMessages, 31)
        XCTAssertEqual(status.sentBytes, expected.reduce(0) { $0 + $1.count })
        XCTAssertEqual(status.queuedBytes, 0)
        await cluster.shutdown()
    }

    func testThreeTransportsAllPairs() async throws {
        let ids = ["n1", "n2", "n3"]
        let cluster = try await TestCluster.start(ids)
        for from in ids {
            for to in ids where to != from {
                for lane in Lane.allCases {
                    XCTAssertEqual(cluster[from].send(Array("\(from)>\(to)".utf8), to: to, lane: lane), .queued)
                }
            }
        }
        try await eventually("every node gets 2 messages on each lane") {
            ids.allSatisfy { id in Lane.allCases.allSatisfy { cluster.collectors[id]![$0]!.received.count == 2 } }
        }
        for to in ids {
            for lane in Lane.allCases {
                for from in ids where from != to {
                    XCTAssertEqual(cluster.collectors[to]![lane]!.payloads(from: from), [Array("\(from)>\(to)".utf8)])
                }
            }
        }
        XCTAssertEqual(cluster["n1"].send([1], to: "n9", lane: .control), .dropped(.unknownPeer))
        await cluster.shutdown()
    }

    /// The bulk consumer takes one 4 MiB message and then stalls, so bulk data
    /// backs up (inbound back-pressure → TCP → the sender's bulk queue). A
    /// control message sent then must still arrive promptly. On a single
    /// connection it would wait behind ~60 MiB that nobody reads, forever.
    func testControlMessageOvertakesStalledBulkData() async throws {
        let chunk = ByteBuffer(repeating: 0x5A, count: 4 << 20)
        let bulkCount = 16
        let cluster = try await TestCluster.start(["a", "b"], collect: false) { config in
            config.bulkQueue = .init(maxBytes: 80 << 20, maxMessages: 64)
            config.inboundBulkHighWatermark = 2
        }
        let control = cluster["b"].messages(on: .control)!
        let bulk = cluster["b"].messages(on: .bulk)!
        try await eventually("every link connected") { cluster.allConnected() }

        var bulkIterator = bulk.makeAsyncIterator()
        for _ in 0..<bulkCount { XCTAssertEqual(cluster["a"].send(chunk, to: "b", lane: .bulk), .queued) }
        let first = await bulkIterator.next()
        XCTAssertEqual(first?.payload.readableBytes, 4 << 20)

        // Bulk is now in flight and stalled. Send a heartbeat-sized control message.
        let clock = ContinuousClock()
        let sentAt = clock.now
        XCTAssertEqual(cluster["a"].send([1, 2, 3], to: "b", lane: .control), .queued)
        var controlIterator = control.makeAsyncIterator()
        let heartbeat = await controlIterator.next()
        let latency = clock.now - sentAt
        XCTAssertEqual(heartbeat.map { Array($0.payload.readableBytesView) }, [1, 2, 3])
        XCTAssertLessThan(latency, .milliseconds(500), "control message waited behind bulk data")
        let stillQueued = cluster["a"].linkStatus(peer: "b", lane: .bulk)!.queuedBytes
        XCTAssertGreaterThan(stillQueued, 8 << 20, "bulk data was not in flight when the control message arrived")

        // The stalled lane's queue is bounded: further bulk sends are dropped, not queued.
        var extraQueued = 0
        var firstDrop: SendResult?
        for _ in 0..<64 {  // bounded: the queue's message limit (64) stops it at the latest
            let result = cluster["a"].send(chunk, to: "b", lane: .bulk)
            if result == .queued { extraQueued += 1 } else { firstDrop = result; break }
        }
        XCTAssertEqual(firstDrop, .dropped(.queueFull))
        let bulkStatus = cluster["a"].linkStatus(peer: "b", lane: .bulk)!
        XCTAssertLessThanOrEqual(bulkStatus.queuedBytes, 80 << 20)
        XCTAssertEqual(bulkStatus.dropped[.queueFull], 1)

        // Resume the bulk consumer: everything arrives, intact.
        var bulkReceived = 1
        while bulkReceived < bulkCount + extraQueued, let message = await bulkIterator.next() {
            XCTAssertEqual(message.payload.readableBytes, 4 << 20)
            XCTAssertEqual(message.payload, chunk)
            bulkReceived += 1
        }
        XCTAssertEqual(bulkReceived, bulkCount + extraQueued)
        await cluster.shutdown()
    }

    func testOversizedSendIsDroppedNotSent() async throws {
        let cluster = try await TestCluster.start(["a", "b"]) { $0.maxFrameSize = 1000 }
        XCTAssertEqual(cluster["a"].send([UInt8](repeating: 0, count: 1001), to: "b", lane: .bulk), .dropped(.tooLarge))
        XCTAssertEqual(cluster["a"].linkStatus(peer: "b", lane: .bulk)?.dropped[.tooLarge], 1)
        await cluster.shutdown()
    }
}
