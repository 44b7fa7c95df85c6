import Foundation
import NIOConcurrencyHelpers
import TestSupport
import XCTest

/// The shared `eventually` (TestSupport): returns as soon as the condition holds (set by another
/// thread or task here), and otherwise fails naming what it waited for and where.
final class EventuallyTests: XCTestCase {
    func testAsyncFormReturnsTheValueOnceAnotherTaskProvidesIt() async throws {
        let box = NIOLockedValueBox<Int?>(nil)
        let writer = Task.detached { box.withLockedValue { $0 = 42 } }
        let value = try await eventually("the writer's value") { box.withLockedValue { $0 } }
        XCTAssertEqual(value, 42)
        await writer.value
    }

    func testSyncFormReturnsTheValueOnceAnotherThreadProvidesIt() throws {
        let box = NIOLockedValueBox<Int?>(nil)
        let writer = Thread { box.withLockedValue { $0 = 42 } }
        writer.start()
        let value = try eventually("the writer's value") { box.withLockedValue { $0 } }
        XCTAssertEqual(value, 42)
        var calls = 0
        try eventually("the third call", interval: .milliseconds(1)) {
            calls += 1
            return calls == 3
        }
        XCTAssertEqual(calls, 3)
    }

    func testTimesOutNamingWhatItWaitedForAndWhere() async throws {
        do {
            try await eventually("the sky to fall", timeout: .milliseconds(20)) { false }
            XCTFail("did not time out")
        } catch let error as EventuallyTimedOut {
            XCTAssertEqual(error.what, "the sky to fall")
            XCTAssertEqual(error.timeout, .milliseconds(20))
            XCTAssertTrue(error.description.hasPrefix("EventuallyTests.swift:"), error.description)
            XCTAssertTrue(
                error.description.hasSuffix(": timed out after 0.02 seconds waiting for: the sky to fall"), error.description)
        }
    }

    func testSyncFormTimesOut() {
        XCTAssertThrowsError(try eventually("nothing", timeout: .zero) { Optional<Int>.none }) { error in
            XCTAssertTrue("\(error)".hasSuffix("waiting for: nothing"), "\(error)")
        }
    }
}
