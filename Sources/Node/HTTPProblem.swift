import Foundation
import Hummingbird
import NIOCore

/// An error answer of the HTTP API, `application/problem+json` (RFC 9457):
///
/// ```json
/// {"type": "https://raftcast.dev/problems/bad-media", "title": "Bad media", "status": 422,
///  "detail": "upload.mp3: no audio stream"}
/// ```
/// `type` ends with a stable slug clients can switch over; `detail` is one sentence for people.
public struct HTTPProblem: Sendable, Hashable, Codable, Error {
    /// Prefix of every problem type.
    public static let typePrefix = "https://raftcast.dev/problems/"

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String

    /// A problem `slug` with HTTP `status` and `detail`.
    public init(_ status: HTTPResponse.Status, _ slug: String, _ detail: String) {
        self.type = Self.typePrefix + slug
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
    }

    /// The slug at the end of ``type``.
    public var slug: String { String(type.dropFirst(Self.typePrefix.count)) }

    /// The response carrying this problem (with `extraHeaders`).
    public func response(headers extraHeaders: HTTPFields = [:]) -> Response {
        NodeHTTPAPI.json(
            self, status: HTTPResponse.Status(code: status, reasonPhrase: title), contentType: "application/problem+json",
            headers: extraHeaders)
    }
}
