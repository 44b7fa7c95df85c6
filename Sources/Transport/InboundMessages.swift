import NIOCore

/// The payloads received on one lane, from every peer, in arrival order per
/// connection. Single consumer: iterate it from one task. Back-pressured: a
/// consumer that falls behind pauses reading from the lane's sockets.
public struct InboundMessages: AsyncSequence, Sendable {
    public typealias Element = InboundMessage

    let producer: InboundLane.Producer

    /// Iterates the lane's messages; nil once the transport is shut down.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: InboundLane.Producer.AsyncIterator

        /// The next message, waiting for one; nil at the end.
        public mutating func next() async -> InboundMessage? {
            await base.next()
        }
    }

    /// The iterator (make only one: the sequence has a single consumer).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }
}
