import Dispatch
import Foundation
import NIOCore
import NIOEmbedded
import XCTest

@testable import Transport

/// The lane's sequence is fed from NIO threads while its consumer may be cancelled from any other:
/// neither side may wait on the other (a consumer cancelled mid-delivery once deadlocked the
/// transport tests, issue 13).
final class InboundLaneTests: XCTestCase {
    func testCancellingTheConsumerWhileAThreadDeliversNeverDeadlocks() throws {
        for round in 0..<150 {
            let lane = InboundLane(highWatermark: round.isMultiple(of: 2) ? 4 : 1_000_000)
            let sequence = InboundMessages(producer: try XCTUnwrap(lane.takeSequence()))
            let consumed = DispatchSemaphore(value: 0)
            let started = DispatchSemaphore(value: 0)
            let consumer = Task {
                var first = true
                for await _ in sequence where first {
                    first = false
                    started.signal()
                }
                consumed.signal()
            }
            let delivered = DispatchSemaphore(value: 0)
            let thread = Thread {
                // The lane touches the channel from here (pause) and, when the consumer resumes or ends,
                // from the cancelling side (resume), both through setOption: a channel whose loop may be
                // used from any thread (an EmbeddedChannel may not; NIO reports each such use as misuse).
                let channel = NIOAsyncTestingChannel()
                for index in 0..<2_000 {
                    lane.deliver(
                        InboundMessage(from: "a", lane: .control, payload: ByteBuffer(integer: UInt32(index))),
                        from: channel)
                }
                delivered.signal()
            }
            thread.start()
            // Cancel while the consumer is parked in `next()` and the thread keeps yielding into it.
            XCTAssertEqual(started.wait(timeout: .now() + 10), .success, "round \(round): nothing delivered")
            consumer.cancel()
            guard delivered.wait(timeout: .now() + 10) == .success else {
                // Deadlocked: anything more (finish) would block this thread too.
                return XCTFail("round \(round): the delivering thread is stuck")
            }
            lane.finish()
            XCTAssertEqual(consumed.wait(timeout: .now() + 10), .success, "round \(round): the consumer never ended")
        }
    }
}
