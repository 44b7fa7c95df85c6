import Broadcast
import Foundation
import Node
import XCTest

/// `GET /v1/events` numbers its events (`id: <epoch>-<n>`), in-process over a ``BackendTwin`` on loopback:
/// ids increase by one within one epoch; a reconnect with `Last-Event-ID` gets what it missed first; an id
/// that is gone, of another node or malformed gets `reset` and then the `leader` event.
final class EventIDRouteTests: XCTestCase {
    static let secret = "event-id-route-secret-0123456789"

    private func server(_ twin: BackendTwin) throws -> FakeNodeServer {
        try FakeNodeServer.start(in: self, router: try RouteTesting.api(twin: twin, for: self, secret: Self.secret).makeRouter())
    }

    /// Reads from a new connection until `count` events came (bounded).
    private func read(port: Int, lastEventID: String? = nil, count: Int) throws -> [EventStreamReader.Event] {
        var reader = try EventStreamReader(port: port, lastEventID: lastEventID)
        defer { reader.close() }
        return reader.read(timeout: .seconds(10)) { $0.count >= count }
    }

    /// The epoch and number of an id.
    private func parts(_ id: String?) throws -> (epoch: String, n: UInt64) {
        let parts = try XCTUnwrap(id).split(separator: "-")
        XCTAssertEqual(parts.count, 2, "\(id ?? "")")
        XCTAssertTrue(parts[0].count == 16 && parts[0].allSatisfy(\.isHexDigit), "\(id ?? "")")
        return (String(parts[0]), try XCTUnwrap(UInt64(parts[1])))
    }

    func testEventsCarryIncreasingIDsOfOneEpoch() throws {
        let twin = BackendTwin()
        let server = try server(twin)
        var reader = try EventStreamReader(port: server.port)
        defer { reader.close() }
        let first = reader.read(timeout: .seconds(10)) { !$0.isEmpty }
        XCTAssertEqual(first.map(\.name), ["leader"])
        XCTAssertEqual(try parts(first.first?.id).n, 0, "nothing happened yet: the leader event carries id 0")
        let epoch = try parts(first.first?.id).epoch

        twin.commit(CatalogueFixtures.streamStart(1))
        twin.commit(CatalogueFixtures.streamStart(2))
        let events = reader.read(timeout: .seconds(10)) { $0.count >= 4 }
        XCTAssertEqual(events.map(\.name), ["stream-started", "queue", "stream-started", "queue"])
        XCTAssertEqual(try events.map { try parts($0.id).n }, [1, 2, 3, 4])
        XCTAssertEqual(Set(try events.map { try parts($0.id).epoch }), [epoch])

        // A new connection without Last-Event-ID starts with the leader event at the last id.
        let fresh = try read(port: server.port, count: 1)
        XCTAssertEqual(fresh.first?.name, "leader")
        XCTAssertEqual(fresh.first?.id, "\(epoch)-4")
    }

    func testReconnectWithLastEventIDGetsWhatItMissedFirst() throws {
        let twin = BackendTwin()
        let server = try server(twin)
        twin.commit(CatalogueFixtures.streamStart(1))
        let seen = try read(port: server.port, count: 1)
        let last = try XCTUnwrap(seen.first?.id)
        XCTAssertEqual(try parts(last).n, 2)

        // While the page is away: two streams start and one is removed.
        twin.commit(CatalogueFixtures.streamStart(2))
        twin.commit(CatalogueFixtures.streamStart(3))
        twin.commit(.streamRemoved(stream: 1))

        var reader = try EventStreamReader(port: server.port, lastEventID: last)
        defer { reader.close() }
        let replayed = reader.read(timeout: .seconds(10)) { $0.contains { $0.name == "stream-removed" } }
        XCTAssertEqual(Array(replayed.map(\.name).prefix(4)), ["stream-started", "queue", "stream-started", "queue"])
        XCTAssertFalse(replayed.contains { $0.name == "leader" || $0.name == "reset" }, "\(replayed)")
        let numbers = try replayed.map { try parts($0.id).n }
        XCTAssertEqual(numbers, Array(3..<UInt64(3 + numbers.count)), "consecutive ids after the last one seen")
        XCTAssertTrue(replayed[0].data.contains("\"0000000000000002\""), replayed[0].data)

        // Then live events follow on the same connection.
        twin.commit(CatalogueFixtures.streamStart(4))
        let live = reader.read(timeout: .seconds(10)) { $0.count >= 2 }
        XCTAssertEqual(live.first?.name, "stream-started")
        XCTAssertEqual(try parts(live.first?.id).n, numbers.last! + 1)

        // Resuming at the newest id replays nothing: the stream goes on with the next live event.
        let newest = try XCTUnwrap(live.last?.id)
        var caughtUp = try EventStreamReader(port: server.port, lastEventID: newest)
        defer { caughtUp.close() }
        twin.commit(CatalogueFixtures.streamStart(5))
        let next = caughtUp.read(timeout: .seconds(10)) { !$0.isEmpty }
        XCTAssertEqual(next.first?.name, "stream-started")
        XCTAssertEqual(try parts(next.first?.id).n, try parts(newest).n + 1)
    }

    func testAnIDThatIsGoneForeignOrMalformedGetsReset() throws {
        let twin = BackendTwin()
        let server = try server(twin)
        let other = try self.server(BackendTwin())
        twin.commit(CatalogueFixtures.streamStart(1))
        let epoch = try parts(try read(port: server.port, count: 1).first?.id).epoch
        let foreign = try XCTUnwrap(try read(port: other.port, count: 1).first?.id)
        XCTAssertNotEqual(try parts(foreign).epoch, epoch, "each node process draws its own epoch")

        for asked in [foreign, "\(epoch)-99", "garbage", "\(epoch)-1-2", "\(epoch)-", String(repeating: "9", count: 300)] {
            let events = try read(port: server.port, lastEventID: asked, count: 2)
            XCTAssertEqual(events.map(\.name), ["reset", "leader"], asked)
            XCTAssertEqual(events.first?.id, "\(epoch)-2", asked)
            XCTAssertEqual(events.first?.data, "{\"last_event_id\":\"\(epoch)-2\"}", asked)
        }
    }

    func testOnlyTheLastThousandEventsAreReplayed() throws {
        let twin = BackendTwin()
        let server = try server(twin)
        // 501 streams: 1,002 events (stream-started and queue each), ids 1...1002; 3...1002 are kept.
        for id in 1...501 { twin.commit(CatalogueFixtures.streamStart(StreamID(UInt64(id)))) }
        let epoch = try parts(try read(port: server.port, count: 1).first?.id).epoch

        let gone = try read(port: server.port, lastEventID: "\(epoch)-1", count: 1)
        XCTAssertEqual(gone.first?.name, "reset", "event 2 is no longer kept")
        let oldest = try read(port: server.port, lastEventID: "\(epoch)-2", count: 1000)
        XCTAssertEqual(oldest.count, 1000)
        XCTAssertEqual(oldest.first?.id, "\(epoch)-3")
        XCTAssertEqual(oldest.last?.id, "\(epoch)-1002")
    }
}
