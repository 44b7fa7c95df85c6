import Hummingbird
import NIOCore
import RaftcastClient

extension HTTPProblem {
    /// A problem `slug` with HTTP `status` and `detail`.
    public init(_ status: HTTPResponse.Status, _ slug: String, _ detail: String) {
        self.init(type: Self.typePrefix + slug, title: status.reasonPhrase, status: status.code, detail: detail)
    }

    /// The response carrying this problem (with `extraHeaders`).
    public func response(headers extraHeaders: HTTPFields = [:]) -> Response {
        NodeHTTPAPI.json(
            self, status: HTTPResponse.Status(code: status, reasonPhrase: title), contentType: "application/problem+json",
            headers: extraHeaders)
    }
}
