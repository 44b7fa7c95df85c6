import Foundation

/// An `application/problem+json` error of the node's API (RFC 9457):
/// `{"type": "https://raftcast.dev/problems/<slug>", "title", "status", "detail"}` (docs/openapi.yaml).
public struct HTTPProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The base of every problem type URI.
    public static let typePrefix = "https://raftcast.dev/problems/"

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String

    public init(type: String, title: String, status: Int, detail: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }

    /// The problem's short name: `unknown-stream` for `https://raftcast.dev/problems/unknown-stream`.
    public var slug: String {
        type.hasPrefix(Self.typePrefix) ? String(type.dropFirst(Self.typePrefix.count)) : type
    }

    public var description: String { "\(detail) (\(status) \(slug))" }

    /// The problem a response carries: its problem+json body, or, for an error without one (a proxy's
    /// page, an older node's `{"error": …}`), a problem made of the status and the body's text.
    /// Nil for statuses below 400.
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
        self.init(type: "about:blank", title: "HTTP \(response.status)", status: response.status, detail: detail)
    }
}
