import Broadcast
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RaftcastClient

/// `GET /v1/events`: cluster and catalogue events as server-sent events, so dashboards and scripts need not
/// poll. Each event is `id: <epoch>-<n>\nevent: <name>\ndata: <one-line JSON>\n\n`:
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
/// | `reset` | `{"last_event_id": "<epoch>-<n>"}`: the `Last-Event-ID` asked for is gone (or of another node or process): reload the state |
///
/// Ids (``EventJournal``): `n` counts this node's events from 1, `epoch` is drawn when the node starts. A
/// request with `Last-Event-ID` (what `EventSource` sends when it reconnects) of this epoch gets the events
/// after it first (the last ``EventJournal/capacity`` are kept), then the live ones; an older or unknown id
/// gets `reset` and the `leader` event. The `leader` event sent on connect carries the id of the last event.
///
/// A comment line (`: keep-alive`) goes out every ``keepAliveInterval`` so proxies keep the connection.
extension NodeHTTPAPI {
    /// How often an idle event stream sends a comment.
    static let keepAliveInterval: Duration = .seconds(15)
    /// Events buffered per client before the oldest are dropped (a client that stops reading).
    static let eventBufferLimit = 10_000
    /// The request header `EventSource` resumes with.
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func addEventRoutes(to router: Router<BasicRequestContext>) {
        let journal = self.events
        journal.start(backend)
        router.get("v1/events") { request, _ -> Response in
            let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(Self.eventBufferLimit))
            let registration = journal.add(
                lastEventID: request.headers[Self.lastEventID],
                opening: { text in continuation.yield(text) },
                listener: { text in continuation.yield(text) })
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.keepAliveInterval)
                    continuation.yield(": keep-alive\n\n")
                }
            }
            continuation.onTermination = { _ in
                journal.remove(registration.token)
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

    static func leaderEvent(leader: String?, term: UInt64) -> ServerSentEvent {
        let name = leader.map { "\"\(Self.jsonEscaped($0))\"" } ?? "null"
        return ServerSentEvent(name: "leader", data: "{\"leader\":\(name),\"term\":\(term)}")
    }

    /// The server-sent events of `event` (none for events clients do not see).
    static func serverSentEvents(_ event: NodeEvent) -> [ServerSentEvent] {
        switch event {
        case let .leaderChanged(leader, term, _):
            return [leaderEvent(leader: leader, term: term)]
        case .catalogue(let change):
            switch change.event {
            case .streamStarted(let id):
                let name = Self.jsonEscaped(change.stream?.start.name ?? "")
                let command = change.stream?.start.interruptsProgramme == true ? "interrupt" : "enqueue"
                return [
                    ServerSentEvent(name: "stream-started", data: "{\"stream\":\"\(id)\",\"name\":\"\(name)\"}"),
                    queueEvent(command: command, stream: id, at: change.stream?.start.startClusterTime),
                ]
            case let .queueChanged(command, at):
                return [queueEvent(command: command.name, stream: command.stream, at: at)]
            case let .fragmentCommitted(id, index, logIndex):
                return [
                    ServerSentEvent(
                        name: "fragment-committed", data: "{\"stream\":\"\(id)\",\"index\":\(index),\"log_index\":\(logIndex)}")
                ]
            case let .streamEnded(id, count):
                return [ServerSentEvent(name: "stream-ended", data: "{\"stream\":\"\(id)\",\"fragments\":\(count)}")]
            case .streamRemoved(let id):
                return [ServerSentEvent(name: "stream-removed", data: "{\"stream\":\"\(id)\"}")]
            case let .streamFailed(id, index, reason):
                return [
                    ServerSentEvent(
                        name: "stream-failed",
                        data: "{\"stream\":\"\(id)\",\"fragment\":\(index),\"reason\":\"\(Self.jsonEscaped(reason))\"}")
                ]
            case .ignored:
                return []
            }
        }
    }

    static func queueEvent(command: String, stream: StreamID?, at: ClusterTime?) -> ServerSentEvent {
        let stream = stream.map { "\"\($0)\"" } ?? "null"
        let at = at.map { "\($0.nanoseconds)" } ?? "null"
        return ServerSentEvent(name: "queue", data: "{\"command\":\"\(command)\",\"stream\":\(stream),\"at_ns\":\(at)}")
    }

    /// `text` escaped for a JSON string (quotes, backslashes, control characters).
    static func jsonEscaped(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
