import Hummingbird
import RaftcastClient

/// CORS for the cluster's own web pages and one configured origin: a page served by one member (its
/// origin `http://<member's http address>`) may call every other member, which the web app does when its
/// node stops answering; `cluster.cors_origin` adds one more origin, or every origin with `*`. The members
/// are the replicated member directory's (`members`, read per request, so added and removed members count
/// at once); cluster.yaml's while the directory is empty.
///
/// A request whose `Origin` is allowed gets `Access-Control-Allow-Origin` (that origin, or `*`),
/// `Vary: Origin` and the headers a page may read (`ETag`, `Location`, `Retry-After`) on every answer,
/// errors included; a preflight (`OPTIONS` with an allowed `Origin`) is answered here, without the token.
/// Any other request passes through with no CORS header (the browser then keeps the answer from the page).
struct ClusterCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Allowed origins besides the members', lowercased (`scheme://host:port`): cluster.yaml's members (used
    /// while `members` lists none) and `cors_origin`.
    let origins: Set<String>
    /// `cors_origin`, lowercased, unless `*`.
    let configuredOrigin: String?
    /// The members' HTTP addresses now (the replicated directory).
    let members: (@Sendable () -> [String])?
    /// Whether every origin is allowed (`cors_origin: "*"`).
    let allowsEveryOrigin: Bool
    static var allowedMethods: String { "GET, HEAD, POST, DELETE, OPTIONS" }
    static var allowedHeaders: String { "Accept, Authorization, Content-Type, If-None-Match, Last-Event-ID" }
    static var exposedHeaders: String { "ETag, Location, Retry-After" }
    /// How long a browser may reuse a preflight's answer, in seconds.
    static var maxAge: String { "600" }

    /// The members' origins (from `members`, else cluster.yaml's) and `cluster`'s `cors_origin`.
    init(cluster: ClusterConfig, members: (@Sendable () -> [String])? = nil) {
        allowsEveryOrigin = cluster.corsOrigin == "*"
        var origins = Set(cluster.nodes.map { "http://\($0.http)".lowercased() })
        configuredOrigin = cluster.corsOrigin.flatMap { $0 == "*" ? nil : $0.lowercased() }
        if let configuredOrigin { origins.insert(configuredOrigin) }
        self.origins = origins
        self.members = members
    }

    /// Whether `origin` (lowercased) may call this node.
    func allows(_ origin: String) -> Bool {
        if allowsEveryOrigin || origin == configuredOrigin { return true }
        guard let members = members?(), !members.isEmpty else { return origins.contains(origin) }
        return members.contains { "http://\($0)".lowercased() == origin }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let origin = request.headers[.origin], allows(origin.lowercased()) else {
            return try await next(request, context)
        }
        let allowOrigin = allowsEveryOrigin ? "*" : origin
        if request.method == .options {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: allowOrigin, .accessControlAllowMethods: Self.allowedMethods,
                    .accessControlAllowHeaders: Self.allowedHeaders, .accessControlMaxAge: Self.maxAge, .vary: "Origin",
                ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowOrigin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[values: .vary].append("Origin")
        return response
    }
}
