import Broadcast
import Foundation
import Node
import NIOConcurrencyHelpers
import XCTest

/// ``NodeEventHub``: a subscriber starts from the state of the last publication before it registered and
/// then gets every later batch exactly once, in order, even while publications race registrations; a
/// removed subscriber gets nothing more.
final class NodeEventHubTests: XCTestCase {
    private static func leaderEvent(_ term: UInt64) -> NodeEvent { .leaderChanged(leader: "n\(term)", term: term, isSelf: false) }

    func testEverySubscriberSeesEachLaterBatchOnceAndInOrderWhileRegistrationsRace() throws {
        let hub = NodeEventHub(catalogue: Catalogue(), leader: nil, term: 0)
        let publications: UInt64 = 2_000
        let done = DispatchSemaphore(value: 0)
        let publisher = Thread {
            for term in 1...publications {
                hub.publish([Self.leaderEvent(term)], catalogue: Catalogue(), leader: "n\(term)", term: term)
            }
            done.signal()
        }
        let records = NIOLockedValueBox<[(start: UInt64, seen: NIOLockedValueBox<[UInt64]>)]>([])
        publisher.start()
        for _ in 0..<200 {
            let seen = NIOLockedValueBox<[UInt64]>([])
            let subscription = hub.addSubscriber { events in
                for case let .leaderChanged(_, term, _) in events { seen.withLockedValue { $0.append(term) } }
            }
            XCTAssertEqual(subscription.leader, subscription.term == 0 ? nil : "n\(subscription.term)")
            records.withLockedValue { $0.append((subscription.term, seen)) }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "the publisher finished within 30 s")
        for (start, seen) in records.withLockedValue({ $0 }) {
            let terms = seen.withLockedValue { $0 }
            if start == publications { XCTAssertEqual(terms, []); continue }
            XCTAssertEqual(terms, Array((start + 1)...publications), "subscriber from term \(start)")
        }
    }

    func testARemovedSubscriberGetsNothingMore() {
        let hub = NodeEventHub(catalogue: Catalogue(), leader: "n1", term: 1)
        let heard = NIOLockedValueBox(0)
        let subscription = hub.addSubscriber { _ in heard.withLockedValue { $0 += 1 } }
        XCTAssertEqual(subscription.leader, "n1")
        hub.publish([Self.leaderEvent(2)], catalogue: Catalogue(), leader: "n2", term: 2)
        XCTAssertEqual(heard.withLockedValue { $0 }, 1)
        hub.removeSubscriber(subscription.token)
        hub.publish([Self.leaderEvent(3)], catalogue: Catalogue(), leader: "n3", term: 3)
        XCTAssertEqual(heard.withLockedValue { $0 }, 1)
        // A publication without events updates the state and calls nobody.
        let late = hub.addSubscriber { _ in XCTFail("called for an empty publication") }
        XCTAssertEqual(late.term, 3)
        hub.publish([], catalogue: Catalogue(), leader: "n3", term: 4)
        XCTAssertEqual(hub.addSubscriber { _ in }.term, 4)
    }
}
