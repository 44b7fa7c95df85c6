import NIOConcurrencyHelpers
import NIOCore

/// The inbound side of one lane: every authenticated connection of the lane
/// yields its payloads into one back-pressured sequence. When the consumer
/// falls behind (more than the high watermark buffered), each connection that
/// yields is paused (autoRead off) until the consumer drains to the low
/// watermark, so a slow consumer costs bounded memory and pushes back on TCP.
final class InboundLane: NIOAsyncSequenceProducerDelegate, @unchecked Sendable {
    typealias Strategy = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark
    typealias Producer = NIOAsyncSequenceProducer<InboundMessage, Strategy, InboundLane>

    // Guards the fields below. Never held while calling into the sequence
    // (`yield`, `finish`): the sequence calls back into `produceMore` /
    // `didTerminate` from whichever thread cancels or drains the consumer,
    // sometimes under its own lock or the consuming task's status lock, so
    // holding ours across a yield could deadlock against them.
    private let lock = NIOLock()
    private var source: Producer.Source?
    private var paused: [ObjectIdentifier: any Channel] = [:]
    /// Bumped by every `produceMore`; a delivery that saw `.stopProducing`
    /// pauses its channel only if no `produceMore` ran since it yielded, so a
    /// resume that slips in between cannot be missed.
    private var demandGeneration = 0
    private var producer: Producer?
    /// Messages handed to the sequence so far.
    var deliveredCount: Int { lock.withLock { delivered } }
    private var delivered = 0
    /// The authenticated connection of each peer on this lane.
    private var connections: [String: any Channel] = [:]

    init(highWatermark: Int) {
        let strategy = Strategy(lowWatermark: max(1, highWatermark / 2), highWatermark: max(2, highWatermark))
        let made = Producer.makeSequence(backPressureStrategy: strategy, finishOnDeinit: false, delegate: self)
        source = made.source
        producer = made.sequence
    }

    /// Hands out the sequence; only the first caller gets it (single consumer).
    func takeSequence() -> Producer? {
        lock.withLock {
            defer { producer = nil }
            return producer
        }
    }

    /// Records `channel` as `peer`'s connection on this lane and returns the
    /// one it replaces, which the caller closes: the newest connection wins,
    /// so a peer that rebooted without closing its sockets leaves no
    /// half-open connection behind.
    func register(peer: String, channel: any Channel) -> (any Channel)? {
        lock.withLock {
            defer { connections[peer] = channel }
            return connections[peer]
        }
    }

    /// Forgets `channel` (closed) if it is still `peer`'s current connection.
    func unregister(peer: String, channel: any Channel) {
        lock.withLock {
            if connections[peer] === channel { connections[peer] = nil }
            paused[ObjectIdentifier(channel)] = nil
        }
    }

    /// Forgets `peer`'s connection on this lane and returns it, for the caller to close (the peer was removed).
    func removeConnection(of peer: String) -> (any Channel)? {
        lock.withLock { connections.removeValue(forKey: peer) }
    }

    /// Peers with an authenticated connection on this lane.
    var connectedPeers: [String] { lock.withLock { connections.keys.sorted() } }

    /// Delivers one message from `channel` (called on the channel's event loop).
    func deliver(_ message: InboundMessage, from channel: any Channel) {
        let taken: (source: Producer.Source, generation: Int)? = lock.withLock {
            guard let source else { return nil }
            delivered += 1
            return (source, demandGeneration)
        }
        guard let taken, taken.source.yield(message) == .stopProducing else { return }
        lock.withLock {
            guard demandGeneration == taken.generation, self.source != nil else { return }
            paused[ObjectIdentifier(channel)] = channel
            // On the channel's loop this applies at once, before any resume
            // that a later `produceMore` schedules onto the same loop.
            channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    func produceMore() {
        let resumed = lock.withLock {
            demandGeneration &+= 1
            defer { paused.removeAll() }
            return Array(paused.values)
        }
        for channel in resumed {
            channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }

    func didTerminate() {
        produceMore()
    }

    /// Ends the sequence (transport shut down).
    func finish() {
        // `finish()` may call `didTerminate()` synchronously: not under the lock.
        let source = lock.withLock {
            defer { self.source = nil }
            return self.source
        }
        source?.finish()
    }
}
