import Foundation

/// The programme and catalogue calls of the HTTP API (docs/openapi.yaml), typed.
extension AdminClient {
    /// `GET /v1/queue`.
    public func queue() throws(Failure) -> QueueResource {
        try call("GET", "/v1/queue", as: QueueResource.self)
    }

    /// `POST /v1/queue/skip`: the playing item ends at the next fragment boundary after the playout
    /// delay; the queue after the change.
    public func skip() throws(Failure) -> QueueResource {
        try call("POST", "/v1/queue/skip", as: QueueResource.self)
    }

    /// `POST /v1/queue/stop`: stop and clear; the queue after the change.
    public func stop() throws(Failure) -> QueueResource {
        try call("POST", "/v1/queue/stop", as: QueueResource.self)
    }

    /// `DELETE /v1/queue/{id}`: takes stream `id` out of the programme (the stream stays in the catalogue).
    public func removeFromQueue(_ id: String) throws(Failure) -> QueueResource {
        try call("DELETE", "/v1/queue/\(id)", as: QueueResource.self)
    }

    /// `POST /v1/queue/move`: upcoming stream `id` to `position` (0: plays next).
    public func move(_ id: String, to position: Int) throws(Failure) -> QueueResource {
        let body = (try? JSONEncoder().encode(QueueMoveRequest(streamID: id, position: position))) ?? Data()
        return try call("POST", "/v1/queue/move", json: Array(body), as: QueueResource.self)
    }

    /// `GET /v1/streams`.
    public func streams() throws(Failure) -> [StreamResource] {
        try call("GET", "/v1/streams", as: StreamList.self).streams
    }

    /// `DELETE /v1/streams/{id}`: removes stream `id` from the catalogue on every node.
    public func removeStream(_ id: String) throws(Failure) {
        _ = try call("DELETE", "/v1/streams/\(id)", as: RemovedStream.self)
    }

    /// The answer of `DELETE /v1/streams/{id}`.
    private struct RemovedStream: Decodable {
        var id: String
        var removed: Bool
    }
}
