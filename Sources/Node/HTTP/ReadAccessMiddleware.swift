import Hummingbird
import RaftcastClient

/// With `open_reads: false`, every GET except the OpenAPI document, `/health` and the web app (`/`, `/app/…`:
/// the page is not data; it asks for the token) needs the admin bearer token.
struct ReadAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let secret: [UInt8]
    /// Paths anyone may read.
    static var open: Set<String> { ["/openapi.yaml", "/health"] }

    /// Whether anyone may read `path`: an open path or a web app file.
    static func isOpen(_ path: String) -> Bool {
        open.contains(path) || path == "/" || path.hasPrefix("/app/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.method == .get || request.method == .head, !Self.isOpen(request.uri.path),
            !AdminToken.authorizes(header: request.headers[.authorization], secret: secret)
        {
            return HTTPProblem(.unauthorized, "unauthorized", "reads need the bearer token (open_reads is false)")
                .response()
        }
        return try await next(request, context)
    }
}
