import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RaftcastClient
import Transport

/// Guards one HTTP connection, between NIO's HTTP/1 decoder and Hummingbird (``GuardedHTTP1Channel``
/// puts it there):
///
/// ```
///  accept ──▶ ConnectionGate.admit ──refused──▶ close (on the listener: nothing set up, nothing read)
///                 │ admitted (evictable)
///                 ▼
///  waiting for a head ──requestHeadTimeout / idleTimeout──▶ close
///     │ head                                    ▲
///     ▼                                         │ response .end, nothing else in flight
///  HTTPRequestScreen ──problem──▶ answer it (Connection: close), drop the rest, close once flushed
///     │ none
///     ▼
///  busy: the router reads the body and answers (not evictable); `GET /v1/events` needs one of the
///  HTTPStreamBudget's streams (503 `too-many-streams` when none is left), given back when it ends;
///  an error answered before the body was read (a refused write) goes out with `Connection: close`
///  and the connection closes once it is written
/// ```
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let gate: ConnectionGate
    private let limits: HTTPConnectionLimits
    private let screen: HTTPRequestScreen
    private let streams: HTTPStreamBudget
    /// This connection holds one of `streams` (its event stream has not ended).
    private var holdsStream = false
    private let logger: Logger
    private let throttle: LogThrottle
    private var started = false
    /// Requests whose head was read and whose response has not ended.
    private var inFlight = 0
    /// The current request's body has been read to its end.
    private var requestBodyEnded = true
    /// An error was answered before the body was read: close once its answer is written.
    private var closeAfterResponse = false
    /// A refusal was answered: everything read from now on is dropped; the channel closes once it is flushed.
    private var refusing = false
    private var deadline: Scheduled<Void>?

    init(
        gate: ConnectionGate, limits: HTTPConnectionLimits, screen: HTTPRequestScreen,
        streams: HTTPStreamBudget, logger: Logger, throttle: LogThrottle
    ) {
        self.gate = gate
        self.limits = limits
        self.screen = screen
        self.streams = streams
        self.logger = logger
        self.throttle = throttle
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        releaseStream()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        releaseStream()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        guard case .head(let head) = unwrapInboundIn(data) else {
            if case .end = unwrapInboundIn(data) { requestBodyEnded = true }
            context.fireChannelRead(data)
            return
        }
        requestBodyEnded = false
        deadline?.cancel()
        deadline = nil
        inFlight += 1
        gate.setEvictable(context.channel, false)
        if let problem = screen.problem(for: head) {
            refuse(context: context, head: head, problem: problem)
            return
        }
        if head.method == .GET, HTTPRequestScreen.routePath(head.uri) == "/v1/events" {
            guard streams.take() else {
                refuse(context: context, head: head, problem: HTTPProblem(
                    .serviceUnavailable, "too-many-streams", "at most \(streams.limit) event streams at once"))
                return
            }
            holdsStream = true
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !refusing, case .head(var response) = unwrapOutboundIn(data), response.status.code >= 400, !requestBodyEnded {
            // An error answered before the body was read (a refused write): the client may still be
            // pushing megabytes that nothing will read. Say so and close once the answer is out, so the
            // client stops at once instead of at its timeout.
            closeAfterResponse = true
            response.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(response)), promise: promise)
            return
        }
        if closeAfterResponse, case .end = unwrapOutboundIn(data) {
            closeAfterResponse = false
            refusing = true
            let channel = context.channel
            let done = context.eventLoop.makePromise(of: Void.self)
            if let promise { done.futureResult.cascade(to: promise) }
            context.writeAndFlush(data, promise: done)
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.write(data, promise: promise)
        guard case .end = unwrapOutboundIn(data), !refusing else { return }
        releaseStream()
        inFlight = max(0, inFlight - 1)
        if inFlight == 0 {
            gate.setEvictable(context.channel, true)
            arm(context: context, limits.idleTimeout, "no next request")
        }
    }

    private func releaseStream() {
        guard holdsStream else { return }
        holdsStream = false
        streams.give()
    }

    /// The connection is active (it was admitted before): the request-head deadline starts.
    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        // Each connection's deadline is drawn in [80 %, 100 %] of the timeout, so that connections
        // opened in a burst (a flood) do not all expire, and get replaced, in the same instant.
        let jitter = Double.random(in: 0.8...1.0)
        arm(context: context, limits.requestHeadTimeout * jitter, "no complete request head")
    }

    /// Closes the connection after `timeout` unless a request head arrives first.
    private func arm(context: ChannelHandlerContext, _ timeout: Duration, _ reason: String) {
        deadline?.cancel()
        let channel = context.channel
        let logger = self.logger
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            logger.debug("closing HTTP connection: \(reason) within \(timeout)")
            channel.close(promise: nil)
        }
    }

    /// Answers `problem` with `Connection: close` and closes the connection once it is flushed; the
    /// body is never read.
    private func refuse(context: ChannelHandlerContext, head: HTTPRequestHead, problem: HTTPProblem) {
        refusing = true
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = ByteBuffer(bytes: (try? encoder.encode(problem)) ?? Data("{}".utf8))
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/problem+json")
        headers.add(name: "content-length", value: "\(body.readableBytes)")
        headers.add(name: "connection", value: "close")
        let response = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: problem.status), headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        if let suppressed = throttle.permit() {
            logger.info(Logger.Message(stringLiteral: LogThrottle.message(
                "HTTP \(problem.status) without reading the body: \(head.method) \(HTTPRequestScreen.routePath(head.uri)): \(problem.slug)",
                suppressed: suppressed)))
        }
    }
}
