import Dispatch
import Foundation
import NIOConcurrencyHelpers
import TestSupport
import XCTest

@testable import Node

/// ``HLSSegmentCache``'s single-flight miss, with real threads: a request arriving while the same segment
/// is being remuxed waits for that remux and gets its bytes (or its error) instead of remuxing again.
final class HLSSegmentCacheTests: XCTestCase {
    private struct RemuxFailed: Error {}

    /// Runs `request` on another thread; the returned group is left when it returns.
    private func onThread(_ request: @escaping @Sendable () -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group, execute: request)
        return group
    }

    func testARequestDuringARemuxWaitsForItAndSharesItsBytes() throws {
        let cache = HLSSegmentCache()
        let key = HLSSegmentCache.Key(stream: 7, index: 3)
        let release = DispatchSemaphore(value: 0)
        let inMake = NIOLockedValueBox(false)
        let results = NIOLockedValueBox<[[UInt8]]>([])
        let secondMade = NIOLockedValueBox(false)
        let first = onThread {
            let segment = try? cache.segment(key) {
                inMake.withLockedValue { $0 = true }
                _ = release.wait(timeout: .now() + 10)
                return [1, 2, 3]
            }
            results.withLockedValue { $0.append(segment?.bytes ?? []) }
        }
        try eventually("the first request remuxing") { inMake.withLockedValue { $0 } }
        let second = onThread {
            let segment = try? cache.segment(key) {
                secondMade.withLockedValue { $0 = true }
                return [9]
            }
            results.withLockedValue { $0.append(segment?.bytes ?? []) }
        }
        try eventually("the second request waiting") { cache.waitingCount == 1 }
        release.signal()
        XCTAssertEqual(first.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(second.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(results.withLockedValue { $0 }, [[1, 2, 3], [1, 2, 3]])
        XCTAssertFalse(secondMade.withLockedValue { $0 }, "the waiting request did not remux")
        XCTAssertEqual(cache.remuxCount, 1)
        XCTAssertEqual(cache.waitingCount, 0)
        XCTAssertEqual(try cache.segment(key) { [9] }.bytes, [1, 2, 3], "cached")
    }

    func testAFailedRemuxFailsItsWaitersAndCachesNothing() throws {
        let cache = HLSSegmentCache()
        let key = HLSSegmentCache.Key(stream: 7, index: -1)
        let release = DispatchSemaphore(value: 0)
        let inMake = NIOLockedValueBox(false)
        let failures = NIOLockedValueBox(0)
        let first = onThread {
            do {
                _ = try cache.segment(key) {
                    inMake.withLockedValue { $0 = true }
                    _ = release.wait(timeout: .now() + 10)
                    throw RemuxFailed()
                }
            } catch is RemuxFailed { failures.withLockedValue { $0 += 1 } } catch {}
        }
        try eventually("the first request remuxing") { inMake.withLockedValue { $0 } }
        let second = onThread {
            do { _ = try cache.segment(key) { [9] } } catch is RemuxFailed { failures.withLockedValue { $0 += 1 } } catch {}
        }
        try eventually("the second request waiting") { cache.waitingCount == 1 }
        release.signal()
        XCTAssertEqual(first.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(second.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(failures.withLockedValue { $0 }, 2, "both requests see the remux's error")
        XCTAssertEqual(cache.remuxCount, 0)
        XCTAssertEqual(try cache.segment(key) { [4, 5] }.bytes, [4, 5], "nothing was cached: the next request remuxes")
        XCTAssertEqual(cache.remuxCount, 1)
    }
}
