import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The outbound connection of one lane to one peer: dials (through the transport's
/// ``ConnectionFactory``), authenticates, writes payload frames in order, redials with backoff when the
/// connection fails, and keeps its queue bounded.
///
/// Admission (`send`) runs on the caller's thread under a lock that only
/// guards counters; everything that touches the channel runs on the link's
/// event loop, in the order of the sends.
///
/// A payload may come in parts (e.g. a message's own header and entries encoded once for every peer):
/// they go out as one frame, the frame header and each part written as they are (no copy; the socket
/// gathers them with `writev`). Writes queued on the event loop in one burst share one flush: the link
/// flushes once its queued writes are all handed to the channel, not after every frame.
///
/// ```
///        start / backoff expired
///   ┌──────────────────────────────┐
///   v                              │
/// connecting ──handshake ok──> connected
///   │   ^                          │
///   │   └──── (redial) ───┐        │ closed / error
///   └─ refused / failed ─> backingOff <┘
///  (any) ── shutdown (transport stopped, peer removed) ──> stopped
/// ```
final class PeerLink: @unchecked Sendable {
    /// Why a connection ended.
    enum EndReason: CustomStringConvertible {
        case refused(HandshakeRefusal)
        case closed
        case closedDuringHandshake
        case protocolError(String)
        case connectFailed(String)

        var description: String {
            switch self {
            case .refused(let reason): "refused: \(reason)"
            case .closed: "connection closed"
            case .closedDuringHandshake: "connection closed during handshake (peer refused us?)"
            case .protocolError(let what): "protocol error: \(what)"
            case .connectFailed(let what): "connect failed: \(what)"
            }
        }
    }

    /// Counters and state shared with senders and status readers.
    private struct Shared {
        var state = LinkState.connecting
        var queuedBytes = 0
        var queuedMessages = 0
        var sentMessages = 0
        var sentBytes = 0
        var dropped: [DropReason: Int] = [:]
        var consecutiveFailures = 0
        var connects = 0
        /// Why sends are dropped once stopped.
        var stopReason = DropReason.notRunning
    }

    let peer: String
    let lane: Lane
    let eventLoop: any EventLoop
    private let config: TransportConfig
    private let factory: ConnectionFactory
    private let limits: TransportConfig.QueueLimits
    private var logger: Logger
    private let shared = NIOLockedValueBox(Shared())

    // Event-loop confined.
    private var address: PeerAddress
    /// The authenticated connection, once the handshake succeeded.
    private var channel: (any Channel)?
    /// The connection being dialed or authenticated, if any.
    private var attempt: (any Channel)?
    private var pending = CircularBuffer<[ByteBuffer]>()
    /// Writes handed to the event loop and not yet run (event-loop confined): the last one flushes.
    private var writesInFlight = 0
    private var redial: Scheduled<Void>?
    private var stopped = false
    /// Why messages are dropped once stopped.
    private var stopReason = DropReason.notRunning

    init(peer: String, lane: Lane, address: PeerAddress, eventLoop: any EventLoop, factory: ConnectionFactory) {
        self.peer = peer
        self.lane = lane
        self.address = address
        self.eventLoop = eventLoop
        self.factory = factory
        let config = factory.config
        self.config = config
        self.limits = config.queueLimits(for: lane)
        var logger = config.logger
        logger[metadataKey: "peer"] = "\(peer)"
        logger[metadataKey: "lane"] = "\(lane)"
        self.logger = logger
    }

    /// Changes where the peer is dialed from the next attempt on.
    func setAddress(_ newAddress: PeerAddress) {
        eventLoop.execute { self.address = newAddress }
    }

    /// Starts dialing.
    func start() {
        eventLoop.execute { self.dial() }
    }

    /// Admits `payload` for sending, or drops it (counted) when the queue is
    /// full or the peer is unreachable.
    func send(_ payload: ByteBuffer) -> SendResult {
        send(parts: [payload])
    }

    /// Admits one payload made of `parts` (sent in order as one frame), or drops it like ``send(_:)``.
    func send(parts payload: [ByteBuffer]) -> SendResult {
        let size = payload.reduce(0) { $0 + $1.readableBytes }
        let result: SendResult = shared.withLockedValue { s in
            let verdict: DropReason?
            switch s.state {
            case .stopped: verdict = s.stopReason
            case .backingOff: verdict = .peerUnreachable
            case .connecting, .connected:
                if size > config.maxFrameSize {
                    verdict = .tooLarge
                } else if s.queuedBytes + size > limits.maxBytes || s.queuedMessages + 1 > limits.maxMessages {
                    verdict = .queueFull
                } else {
                    verdict = nil
                }
            }
            if let verdict {
                s.dropped[verdict, default: 0] += 1
                return .dropped(verdict)
            }
            s.queuedBytes += size
            s.queuedMessages += 1
            return .queued
        }
        if result == .queued {
            eventLoop.execute { self.writeOrHold(payload, size: size) }
        }
        return result
    }

    /// A snapshot of state and counters.
    var status: LinkStatus {
        shared.withLockedValue { s in
            LinkStatus(peer: peer, lane: lane, state: s.state, consecutiveFailures: s.consecutiveFailures,
                       connects: s.connects, sentMessages: s.sentMessages, sentBytes: s.sentBytes,
                       queuedMessages: s.queuedMessages, queuedBytes: s.queuedBytes, dropped: s.dropped)
        }
    }

    /// Stops dialing, closes the connection, drops what is queued (counted as `reason`).
    func shutdown(dropping reason: DropReason = .notRunning) -> EventLoopFuture<Void> {
        eventLoop.submit {
            if !self.stopped { self.stopReason = reason }
            self.stopped = true
            self.shared.withLockedValue { s in
                s.state = .stopped
                s.stopReason = self.stopReason
            }
            self.redial?.cancel()
            self.redial = nil
            self.dropPending()
            let channels = [self.channel, self.attempt].compactMap { $0 }
            self.channel = nil
            self.attempt = nil
            return channels
        }.flatMap { channels in
            let closes = channels.map { $0.close().recover { _ in } }
            return EventLoopFuture.andAllComplete(closes, on: self.eventLoop)
        }
    }

    // MARK: - On the event loop

    private func dial() {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        redial = nil
        shared.withLockedValue { $0.state = .connecting }
        let factory = self.factory
        factory.makeDialer(on: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    self.attempt = channel  // runs on this link's event loop
                    try factory.initialize(channel, as: .dialing(self))
                }
            }
            .connect(host: address.host, port: address.port)
            .whenFailure { error in
                self.attempt = nil
                self.failed(.connectFailed("\(error)"))
            }
    }

    /// Called by the handler once the handshake succeeded.
    func connectionEstablished(_ channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        guard !stopped else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        attempt = nil
        let connects = shared.withLockedValue { s in
            s.state = .connected
            s.consecutiveFailures = 0
            s.connects += 1
            return s.connects
        }
        logger.info("connected", metadata: ["address": "\(address)", "connects": "\(connects)"])
        while let payload = pending.popFirst() {
            write(payload, size: payload.reduce(0) { $0 + $1.readableBytes }, on: channel)
        }
        channel.flush()
    }

    /// Called by the handler when its connection ends, at most once per connection.
    func connectionEnded(_ channel: any Channel, reason: EndReason) {
        eventLoop.preconditionInEventLoop()
        if self.channel === channel { self.channel = nil }
        if attempt === channel { attempt = nil }
        failed(reason)
    }

    private func failed(_ reason: EndReason) {
        eventLoop.preconditionInEventLoop()
        guard !stopped, redial == nil else { return }
        dropPending()
        let failures = shared.withLockedValue { s in
            s.state = .backingOff
            s.consecutiveFailures += 1
            return s.consecutiveFailures
        }
        let delay = config.backoff.delay(afterFailures: failures, unitRandom: config.random())
        let metadata: Logger.Metadata = [
            "address": "\(address)", "failures": "\(failures)", "retry_in": "\(delay)",
        ]
        switch reason {
        case .refused:
            logger.warning("\(reason)", metadata: metadata)
        case .connectFailed where failures > 1:
            logger.debug("\(reason)", metadata: metadata)
        default:
            logger.info("\(reason)", metadata: metadata)
        }
        redial = eventLoop.scheduleTask(in: TimeAmount(delay)) { self.dial() }
        switch reason {
        case .closed, .connectFailed: factory.linkLoss.linkLost(peer: peer, lane: lane)
        case .refused(.refusedByPeer(let why)): factory.peerRefusals.refused(peer: peer, reason: why)
        case .refused, .closedDuringHandshake, .protocolError: break
        }
    }

    private func writeOrHold(_ payload: [ByteBuffer], size: Int) {
        if let channel {
            write(payload, size: size, on: channel)
            // Sends admitted while this write waited on the event loop run next: flush after the last.
            eventLoop.execute { self.flushIfLast(channel) }
            writesInFlight += 1
        } else if !stopped && status.state == .connecting {
            pending.append(payload)
        } else {
            release(size, outcome: .dropped(stopped ? stopReason : .connectionLost))
        }
    }

    /// One flush per burst: the flush task of the last write queued before it does it.
    private func flushIfLast(_ channel: any Channel) {
        writesInFlight -= 1
        if writesInFlight == 0 { channel.flush() }
    }

    /// Writes the frame header and the parts (not flushed, unless the transport's ``PayloadStamper`` stamped
    /// the payload: then its stamp is taken right before the write and the bytes go out at once).
    private func write(_ payload: [ByteBuffer], size: Int, on channel: any Channel) {
        var payload = payload
        let stamped = factory.stamping.stampOutgoing(&payload, to: peer, lane: lane)
        channel.write(Frame.header(kind: .payload, bodySize: size, allocator: channel.allocator), promise: nil)
        for part in payload.dropLast() { channel.write(part, promise: nil) }
        let promise = eventLoop.makePromise(of: Void.self)
        channel.write(payload.last ?? ByteBuffer(), promise: promise)
        promise.futureResult.whenComplete { result in
            switch result {
            case .success: self.release(size, outcome: .queued)
            case .failure: self.release(size, outcome: .dropped(.connectionLost))
            }
        }
        if stamped { channel.flush() }
    }

    private func dropPending() {
        while let payload = pending.popFirst() {
            release(payload.reduce(0) { $0 + $1.readableBytes }, outcome: .dropped(stopped ? stopReason : .connectionLost))
        }
    }

    /// Takes a message out of the queue accounting: sent (`.queued`) or dropped.
    private func release(_ size: Int, outcome: SendResult) {
        shared.withLockedValue { s in
            s.queuedBytes -= size
            s.queuedMessages -= 1
            switch outcome {
            case .queued:
                s.sentMessages += 1
                s.sentBytes += size
            case .dropped(let reason):
                s.dropped[reason, default: 0] += 1
            }
        }
    }
}
