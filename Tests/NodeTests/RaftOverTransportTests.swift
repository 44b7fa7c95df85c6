import NIOCore
import Raft
import RaftcastClient
import Transport
import XCTest

@testable import Node

/// Raft messages encoded with RaftMessageCodec, carried by two real Transports on
/// 127.0.0.1, arrive on the lane chosen for their type and decode to the original.
final class RaftOverTransportTests: XCTestCase {
    func testMessagesCrossTheTransportOnTheirLanes() async throws {
        let secret = Array("0123456789abcdef0123456789abcdef".utf8)
        func make(_ id: String, _ other: String) -> Transport {
            Transport(config: TransportConfig(
                clusterName: "c", secret: secret, localID: id, listenAddress: PeerAddress(host: "127.0.0.1", port: 0),
                peers: [other: PeerAddress(host: "127.0.0.1", port: 1)],
                backoff: BackoffPolicy(initial: .milliseconds(10), maximum: .milliseconds(100))))
        }
        let a = make("a", "b"), b = make("b", "a")
        try await a.listen()
        try await b.listen()
        a.setPeerAddress(b.listeningAddress!, for: "b")
        b.setPeerAddress(a.listeningAddress!, for: "a")
        let control = b.messages(on: .control)!
        let bulk = b.messages(on: .bulk)!
        try await a.start()
        try await b.start()

        var bigData = [UInt8](repeating: 0, count: 1 << 20)
        for i in stride(from: 0, to: bigData.count, by: 997) { bigData[i] = UInt8(truncatingIfNeeded: i) }
        let append = Message(type: .appendEntries, from: ClusterConfig.raftID(for: "a"), to: ClusterConfig.raftID(for: "b"),
                             term: 3, logTerm: 2, index: 10,
                             entries: [Entry(term: 3, index: 11, data: bigData), Entry(term: 3, index: 12)], commit: 9)
        let heartbeat = Message(type: .heartbeat, from: append.from, to: append.to, term: 3, commit: 9, context: 77)
        XCTAssertEqual(RaftMessageCodec.lane(for: append), .bulk)
        XCTAssertEqual(RaftMessageCodec.lane(for: heartbeat), .control)
        for message in [append, heartbeat] {
            let result = a.send(RaftMessageCodec.encode(message), to: "b", lane: RaftMessageCodec.lane(for: message))
            XCTAssertEqual(result, .queued)
        }
        var bulkIterator = bulk.makeAsyncIterator()
        var controlIterator = control.makeAsyncIterator()
        let appendArrival = await bulkIterator.next()
        let heartbeatArrival = await controlIterator.next()
        let receivedAppend = try XCTUnwrap(appendArrival)
        let receivedHeartbeat = try XCTUnwrap(heartbeatArrival)
        XCTAssertEqual(receivedAppend.from, "a")
        XCTAssertEqual(try RaftMessageCodec.decode(receivedAppend.payload), append)
        XCTAssertEqual(try RaftMessageCodec.decode(receivedHeartbeat.payload), heartbeat)
        await a.shutdown()
        await b.shutdown()
    }
}
