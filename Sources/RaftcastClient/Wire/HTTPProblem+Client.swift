import Foundation

extension HTTPProblem: CustomStringConvertible {
    /// The problem a response carries (the client side: `raftcast ingest`): its problem+json body, or,
    /// for an error without one (a proxy's page, the debug endpoint's `{"error": …}`), a problem of slug
    /// `http-<status>` made of the status and the body's text. Nil for statuses below 400.
    public init?(response: HTTPFetch.Response) {
        guard response.status >= 400 else { return nil }
        if let problem = try? JSONDecoder().decode(HTTPProblem.self, from: Data(response.body)) {
            self = problem
            return
        }
        var detail = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let error = object["error"] as? String
        {
            detail = error
        }
        if detail.isEmpty { detail = "HTTP \(response.status)" }
        self.init(
            type: Self.typePrefix + "http-\(response.status)", title: "HTTP \(response.status)", status: response.status,
            detail: detail)
    }

    /// `detail (status slug)`.
    public var description: String { "\(detail) (\(status) \(slug))" }
}
