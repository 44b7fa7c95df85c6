import Logging
import NIOConcurrencyHelpers
import Node
import ServiceLifecycle
import XCTest

/// The service that hands free heap pages back to the kernel: it trims every interval while the node runs and
/// ends with the node. What the trims save is measured by `scripts/bench-broadcast.sh` (private memory of each
/// node over a long broadcast, BENCHMARKS.md): whether glibc serves a block from a heap or maps it depends on
/// everything the process allocated before, which a unit test inside the shared test process cannot control.
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
}
