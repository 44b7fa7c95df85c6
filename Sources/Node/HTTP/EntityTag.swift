import Foundation
import Hummingbird

/// `If-None-Match` (RFC 9110 §13.1.2) against an entity tag, for the routes that answer 304.
enum EntityTag {
    /// Whether `request`'s `If-None-Match` names `etag` (strong or weak) or is `*`.
    static func ifNoneMatch(_ request: Request, matches etag: String) -> Bool {
        let tags = request.headers[values: .ifNoneMatch].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return tags.contains(where: { $0 == "*" || $0 == etag || $0 == "W/" + etag })
    }
}
