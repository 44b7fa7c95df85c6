import Foundation
import Node
import NIOConcurrencyHelpers
import TestSupport
import XCTest

/// ``ThreadMailbox``: items arrive in order and in batches; a waiting owner wakes for an item and for a
/// stop, and otherwise at its deadline; after a stop posts are refused and ``ThreadMailbox/close()`` hands
/// back what nobody took; ``ThreadMailbox/waitUntilFinished()`` returns once the owner finished.
final class ThreadMailboxTests: XCTestCase {
    func testItemsArriveInOrderFromManyThreadsAndNoneIsLostOrDuplicated() throws {
        let mailbox = ThreadMailbox<Int>()
        let posters = 4
        let perPoster = 5_000
        let group = DispatchGroup()
        for poster in 0..<posters {
            DispatchQueue.global().async(group: group) {
                for i in 0..<perPoster { mailbox.post(poster * perPoster + i) }
            }
        }
        var received: [Int] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while received.count < posters * perPoster && ContinuousClock.now < deadline {
            received += mailbox.take(waitingFor: .milliseconds(100)) ?? []
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(received.count, posters * perPoster)
        XCTAssertEqual(Set(received).count, received.count, "no item twice")
        for poster in 0..<posters {
            let mine = received.filter { $0 / perPoster == poster }
            XCTAssertEqual(mine, mine.sorted(), "one poster's items in the order it posted them")
        }
    }

    func testAWaitingOwnerWakesForAnItemAndOtherwiseAtItsDeadline() throws {
        let mailbox = ThreadMailbox<String>()
        let clock = ContinuousClock()
        let start = clock.now
        XCTAssertEqual(mailbox.take(waitingFor: .milliseconds(50)), [])
        XCTAssertGreaterThanOrEqual(clock.now - start, .milliseconds(50), "an empty batch only at the deadline")
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { mailbox.post("x") }
        let woken = clock.now
        XCTAssertEqual(mailbox.take(waitingFor: .seconds(20)), ["x"])
        XCTAssertLessThan(clock.now - woken, .seconds(10), "woken by the item, not the deadline")
    }

    func testAStopWakesTheOwnerRefusesPostsAndCloseReturnsWhatNobodyTook() async throws {
        let mailbox = ThreadMailbox<Int>()
        XCTAssertTrue(mailbox.post(1))
        XCTAssertTrue(mailbox.post(contentsOf: [2, 3]))
        mailbox.requestStop()
        XCTAssertTrue(mailbox.isStopRequested)
        XCTAssertNil(mailbox.take(waitingFor: .seconds(20)), "nil at once after a stop, items kept")
        XCTAssertFalse(mailbox.post(4))
        XCTAssertFalse(mailbox.post(contentsOf: [5]))
        XCTAssertEqual(mailbox.close(), [1, 2, 3])
        XCTAssertEqual(mailbox.close(), [])

        let finished = NIOLockedValueBox(false)
        let waiter = Task {
            await mailbox.waitUntilFinished()
            finished.withLockedValue { $0 = true }
        }
        Thread.detachNewThread { mailbox.finish() }
        await waiter.value
        XCTAssertTrue(finished.withLockedValue { $0 })
        await mailbox.waitUntilFinished()  // returns at once after the finish
    }
}
