/// One server-sent event of `GET /v1/events`: its name and its one-line JSON data.
struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field.
    var name: String
    /// The `data:` field: one line of JSON.
    var data: String

    /// The event's text (`id:` first when given), ending with the blank line.
    func text(id: String?) -> String {
        (id.map { "id: \($0)\n" } ?? "") + "event: \(name)\ndata: \(data)\n\n"
    }
}
