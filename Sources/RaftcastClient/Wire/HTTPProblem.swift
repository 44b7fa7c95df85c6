import Foundation

/// An error answer of the HTTP API, `application/problem+json` (RFC 9457):
///
/// ```json
/// {"type": "https://raftcast.dev/problems/bad-media", "title": "Bad media", "status": 422,
///  "detail": "upload.mp3: no audio stream"}
/// ```
/// `type` ends with a stable slug clients can switch over; `detail` is one sentence for people. The
/// server makes them (Node's `HTTPProblem(_:_:_:)`), clients read them (``init(response:)``): one type.
public struct HTTPProblem: Sendable, Hashable, Codable, Error {
    /// Prefix of every problem type.
    public static let typePrefix = "https://raftcast.dev/problems/"

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String

    /// A problem with every field given.
    public init(type: String, title: String, status: Int, detail: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }

    /// The slug at the end of ``type``.
    public var slug: String { String(type.dropFirst(Self.typePrefix.count)) }
}
