import Logging
import Node
import ServiceLifecycle
import XCTest

/// The service that hands free heap pages back to the kernel ends with the node. What it saves is measured by
/// `scripts/bench-broadcast.sh` (private memory of each node over a long broadcast, BENCHMARKS.md): whether
/// glibc serves a block from a heap or maps it depends on everything the process allocated before, which a
/// unit test inside the shared test process cannot control.
final class HeapTrimServiceTests: XCTestCase {
    func testStopsWhenTheNodeShutsDown() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: HeapTrimService(interval: .milliseconds(5)))], logger: Logger(label: "test")))
        let stopped = expectation(description: "the service group ended")
        let run = Task {
            try await group.run()
            stopped.fulfill()
        }
        await group.triggerGracefulShutdown()
        await fulfillment(of: [stopped], timeout: 10)
        run.cancel()  // bounds the test if the service ignored the shutdown
        _ = try? await run.value
    }
}
