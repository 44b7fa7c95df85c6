import Hummingbird
import NIOHTTP1
import RaftcastClient

/// What the HTTP API decides from a request head alone, before a byte of the body is read: a write
/// without the admin token is answered 401, a body declared (`Content-Length`) larger than its route
/// takes is answered 413. The ``HTTPConnectionGuard`` answers these itself and closes the connection,
/// so nobody can make the node read (or the router drain) a body it will refuse.
struct HTTPRequestScreen: Sendable {
    /// Largest body of a request to any route not named below (no other route reads one).
    static let defaultMaxBodyBytes = 64 << 10

    let secret: [UInt8]
    /// Largest upload (`POST /v1/streams`), from `cluster.max_upload_mb`.
    let maxUploadBytes: Int
    /// Whether `POST /v1/debug/propose` exists (`--enable-debug-propose`); when it does not, a request
    /// to it is answered 404 before the token is looked at, as the router would.
    var debugPropose = false

    /// The problem to answer without reading the body, nil when the request goes to the router.
    func problem(for head: HTTPRequestHead) -> HTTPProblem? {
        let path = Self.routePath(head.uri)
        if path == "/v1/debug/propose", !debugPropose {
            return HTTPProblem(.notFound, "not-found", "POST /v1/debug/propose is off (raftcast node --enable-debug-propose)")
        }
        let isWrite = ![.GET, .HEAD, .OPTIONS].contains(head.method)
        if isWrite, !AdminToken.authorizes(header: head.headers.first(name: "authorization"), secret: secret) {
            return HTTPProblem(.unauthorized, "unauthorized", "missing or wrong bearer token")
        }
        let limit = maxBodyBytes(method: head.method, path: path)
        for value in head.headers[canonicalForm: "content-length"] {
            guard let length = UInt64(value), length <= UInt64(limit) else {
                return HTTPProblem(
                    .contentTooLarge, "too-large",
                    "the body is \(value) bytes; \(head.method) \(path) takes at most \(limit)")
            }
        }
        return nil
    }

    /// Largest body `method path` takes.
    func maxBodyBytes(method: HTTPMethod, path: String) -> Int {
        switch (method, path) {
        case (.POST, "/v1/streams"): maxUploadBytes
        case (.POST, "/v1/debug/propose"): NodeHTTPAPI.maxProposalBytes
        default: Self.defaultMaxBodyBytes
        }
    }

    /// The path of `uri` without query and trailing slashes (`/` stays `/`).
    static func routePath(_ uri: String) -> String {
        var path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
