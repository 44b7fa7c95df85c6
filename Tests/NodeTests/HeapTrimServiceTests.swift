import Logging
import NIOConcurrencyHelpers
import Node
import ServiceLifecycle
import XCTest

/// The service that hands free heap pages back to the kernel: it trims every interval while the node runs and
/// ends with the node. What the trims save is measured by `scripts/bench-broadcast.sh` (private memory of each
/// node over a long broadcast, BENCHMARKS.md); here, that the allocator settings keep a large block in the arena
/// for reuse instead of mapping it afresh each time.
final class HeapTrimServiceTests: XCTestCase {
    func testTrimsEveryIntervalUntilTheNodeShutsDown() async throws {
        let trims = NIOLockedValueBox(0)
        let trimmedTwice = expectation(description: "two trims")
        trimmedTwice.assertForOverFulfill = false
        let service = HeapTrimService(interval: .milliseconds(5)) {
            if trims.withLockedValue({ $0 += 1; return $0 }) >= 2 { trimmedTwice.fulfill() }
        }
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], logger: Logger(label: "test")))
        let stopped = expectation(description: "the service group ended")
        let run = Task {
            try await group.run()
            stopped.fulfill()
        }
        await fulfillment(of: [trimmedTwice], timeout: 10)
        await group.triggerGracefulShutdown()
        await fulfillment(of: [stopped], timeout: 10)
        run.cancel()  // bounds the test if the service ignored the shutdown
        try await run.value
        XCTAssertGreaterThanOrEqual(trims.withLockedValue { $0 }, 2, "trimmed every interval while running")
    }

    /// With the node's allocator settings a freed 1 MiB block is reused from the arena: allocating it again
    /// and writing all of it costs (nearly) no page fault, where a mapped block costs one per page (256).
    func testLargeBlocksAreReusedWithoutNewPageFaults() {
        #if canImport(Glibc)
        HeapTrimService.configureAllocator()
        let size = 1 << 20
        let rusageThread: __rusage_who_t = 1  // RUSAGE_THREAD (Linux; C needs _GNU_SOURCE for the name)
        func faultsOfOneRound() -> Int {
            var before = rusage(), after = rusage()
            getrusage(rusageThread, &before)
            let block = malloc(size)!
            memset(block, 7, size)
            free(block)
            getrusage(rusageThread, &after)
            return after.ru_minflt - before.ru_minflt
        }
        _ = faultsOfOneRound()  // the arena grows once
        let faults = (0..<4).map { _ in faultsOfOneRound() }
        XCTAssertLessThan(faults.min()!, 16, "a freed 1 MiB block is reused, not mapped afresh: faults per round \(faults)")
        #endif
    }
}
