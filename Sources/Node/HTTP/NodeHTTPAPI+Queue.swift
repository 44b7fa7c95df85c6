import Broadcast
import Foundation
import Hummingbird
import NIOCore
import RaftcastClient

/// `/v1/queue*`: the programme, read on any node; its controls on the leader, with the admin token
/// (docs/openapi.yaml). Every write is a catalogue entry (``CatalogueEntry/queue(_:at:)``) taking effect at
/// the leader's cluster now plus the playout delay, so every node has it before it is due; the answer is
/// the queue once it is applied. A decision that does not apply (nothing to skip, a stream not queued) is
/// refused with 409 `queue-refused` before anything is proposed; an unknown stream is 404.
extension NodeHTTPAPI {
    func addQueueRoutes(to router: Router<BasicRequestContext>) {
        let api = self
        router.get("v1/queue") { _, _ -> Response in
            Self.json(api.queueResource())
        }
        router.post("v1/queue/skip") { request, _ -> Response in
            await api.queueWrite(.skip, request)
        }
        router.post("v1/queue/stop") { request, _ -> Response in
            await api.queueWrite(.stop, request)
        }
        router.delete("v1/queue/:id") { request, context -> Response in
            if let refusal = api.writeRefusal(request) { return refusal }
            let text = context.parameters.get("id") ?? ""
            guard let id = StreamID(text) else {
                return HTTPProblem(.badRequest, "bad-stream-id", "\"\(text)\" is not a stream id (16 hex digits)").response()
            }
            return await api.queueWrite(.remove(id), request)
        }
        router.post("v1/queue/move") { request, _ -> Response in
            if let refusal = api.writeRefusal(request) { return refusal }
            let body: QueueMoveRequest
            do {
                let bytes = try await request.body.collect(upTo: 4 << 10)
                body = try JSONDecoder().decode(QueueMoveRequest.self, from: Data(buffer: bytes))
            } catch {
                return HTTPProblem(.badRequest, "bad-request", "the JSON body must be {\"stream_id\": \"<16 hex digits>\", \"position\": <0 or more>}")
                    .response()
            }
            guard let id = StreamID(body.streamID) else {
                return HTTPProblem(.badRequest, "bad-stream-id", "\"\(body.streamID)\" is not a stream id (16 hex digits)").response()
            }
            guard body.position >= 0, body.position <= Int(Int32.max) else {
                return HTTPProblem(.badRequest, "bad-request", "position \(body.position) is not 0 or more").response()
            }
            return await api.queueWrite(.move(id, position: body.position), request)
        }
    }

    /// Proposes `command` (after the write checks) and answers with the queue once it is applied.
    func queueWrite(_ command: QueueCommand, _ request: Request) async -> Response {
        if let refusal = writeRefusal(request) { return refusal }
        guard let now = backend.clusterNow() else {
            return HTTPProblem(.serviceUnavailable, "unsynchronized", "this node has no cluster time yet").response()
        }
        let at = now + backend.playoutDelay
        let entry = CatalogueEntry.queue(command, at: at)
        // The same decision on a copy of the catalogue tells whether it applies, and why not.
        var trial = backend.catalogue
        if case .ignored(let rejection) = trial.apply(entry: entry, at: trial.appliedIndex + 1, term: trial.appliedTerm) {
            if let id = command.stream, backend.catalogue.stream(id) == nil {
                return HTTPProblem(.notFound, "unknown-stream", "no stream \(id) in the catalogue").response()
            }
            let reason: String
            if case .queueRefused(_, let why) = rejection { reason = why } else { reason = rejection.description }
            return HTTPProblem(.conflict, "queue-refused", "\(command.name): \(reason)").response()
        }
        switch await backend.propose(entry.encoded(), timeout: Self.proposeTimeout) {
        case .applied:
            return Self.json(queueResource())
        case .notLeader:
            return redirectToLeader(request) ?? HTTPProblem(.serviceUnavailable, "no-leader", "no leader known").response()
        case .timedOut, .refused:
            return HTTPProblem(.serviceUnavailable, "no-quorum", "the decision was not committed within \(Self.proposeTimeout)")
                .response()
        }
    }

    /// The programme at this node's cluster now.
    func queueResource() -> QueueResource {
        QueueResource(catalogue: backend.catalogue, now: backend.clusterNow())
    }
}
