import Broadcast
import Foundation
import Hummingbird
import NIOCore
import RaftcastClient

/// `GET /v1/events`: cluster and catalogue events as server-sent events, so dashboards and scripts need not
/// poll. Each event is `event: <name>\ndata: <one-line JSON>\n\n`:
///
/// | event | data |
/// |---|---|
/// | `leader` | `{"leader": "n2" or null, "term": 4}` (also sent first, on connect) |
/// | `stream-started` | `{"stream": "<id>", "name": "…"}` |
/// | `fragment-committed` | `{"stream": "<id>", "index": 3, "log_index": 57}` |
/// | `stream-ended` | `{"stream": "<id>", "fragments": 6}` |
/// | `stream-removed` | `{"stream": "<id>"}` |
/// | `stream-failed` | `{"stream": "<id>", "fragment": 3, "reason": "…"}` |
/// | `queue` | `{"command": "enqueue" \| "interrupt" \| "skip" \| "stop" \| "remove" \| "move", "stream": "<id>" or null, "at_ns": cluster ns or null}`: the programme changed (`GET /v1/queue` has it) |
///
/// A comment line (`: keep-alive`) goes out every ``keepAliveInterval`` so proxies keep the connection.
extension NodeHTTPAPI {
    /// How often an idle event stream sends a comment.
    static let keepAliveInterval: Duration = .seconds(15)
    /// Events buffered per client before the oldest are dropped (a client that stops reading).
    static let eventBufferLimit = 10_000

    func addEventRoutes(to router: Router<BasicRequestContext>) {
        let backend = self.backend
        router.get("v1/events") { _, _ -> Response in
            let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(Self.eventBufferLimit))
            let subscription = backend.addSubscriber { events in
                for event in events { if let text = Self.serverSentEvent(event) { continuation.yield(text) } }
            }
            continuation.yield(Self.leaderEvent(leader: subscription.leader, term: subscription.term))
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.keepAliveInterval)
                    continuation.yield(": keep-alive\n\n")
                }
            }
            continuation.onTermination = { _ in
                backend.removeSubscriber(subscription.token)
                ticker.cancel()
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    defer { continuation.finish() }
                    for await text in stream { try await writer.write(ByteBuffer(string: text)) }
                    try await writer.finish(nil)
                })
        }
    }

    static func leaderEvent(leader: String?, term: UInt64) -> String {
        let name = leader.map { "\"\(Self.jsonEscaped($0))\"" } ?? "null"
        return "event: leader\ndata: {\"leader\":\(name),\"term\":\(term)}\n\n"
    }

    /// The SSE text of `event`, nil for events clients do not see.
    static func serverSentEvent(_ event: NodeEvent) -> String? {
        switch event {
        case let .leaderChanged(leader, term, _):
            return leaderEvent(leader: leader, term: term)
        case .catalogue(let change):
            switch change.event {
            case .streamStarted(let id):
                let name = Self.jsonEscaped(change.stream?.start.name ?? "")
                let command = change.stream?.start.interruptsProgramme == true ? "interrupt" : "enqueue"
                return "event: stream-started\ndata: {\"stream\":\"\(id)\",\"name\":\"\(name)\"}\n\n"
                    + queueEvent(command: command, stream: id, at: change.stream?.start.startClusterTime)
            case let .queueChanged(command, at):
                return queueEvent(command: command.name, stream: command.stream, at: at)
            case let .fragmentCommitted(id, index, logIndex):
                return "event: fragment-committed\ndata: {\"stream\":\"\(id)\",\"index\":\(index),\"log_index\":\(logIndex)}\n\n"
            case let .streamEnded(id, count):
                return "event: stream-ended\ndata: {\"stream\":\"\(id)\",\"fragments\":\(count)}\n\n"
            case .streamRemoved(let id):
                return "event: stream-removed\ndata: {\"stream\":\"\(id)\"}\n\n"
            case let .streamFailed(id, index, reason):
                return "event: stream-failed\ndata: {\"stream\":\"\(id)\",\"fragment\":\(index),"
                    + "\"reason\":\"\(Self.jsonEscaped(reason))\"}\n\n"
            case .ignored:
                return nil
            }
        }
    }

    static func queueEvent(command: String, stream: StreamID?, at: ClusterTime?) -> String {
        let stream = stream.map { "\"\($0)\"" } ?? "null"
        let at = at.map { "\($0.nanoseconds)" } ?? "null"
        return "event: queue\ndata: {\"command\":\"\(command)\",\"stream\":\(stream),\"at_ns\":\(at)}\n\n"
    }

    /// `text` escaped for a JSON string (quotes, backslashes, control characters).
    static func jsonEscaped(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
