import NIOCore

/// The payloads received on one lane, from every peer, in arrival order per
/// connection. Single consumer: iterate it from one task. Back-pressured: a
/// consumer that falls behind pauses reading from the lane's sockets.
public struct InboundMessages: AsyncSequence, Sendable {
    public typealias Element = InboundMessage

    let producer: InboundLane.Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: InboundLane.Producer.AsyncIterator

        public mutating func next() async -> InboundMessage? {
            await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }
}
