import Hummingbird
import NIOConcurrencyHelpers
import RaftcastClient

/// Makes every error the router itself raises a ``HTTPProblem`` (`application/problem+json`), as the
/// handlers' own errors are: a path no route has is 404 `not-found`; a path that exists for other
/// methods is 405 `method-not-allowed` with `Allow`; any other `HTTPError` (a body too large for
/// Hummingbird, a malformed request) keeps its status and becomes problem `http-<status>`.
/// Added first, so it also wraps the router's not-found responder; ``RouteTable`` is filled once every
/// route is registered.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            guard error.status == .notFound else {
                return HTTPProblem(error.status, "http-\(error.status.code)", error.body ?? error.status.reasonPhrase)
                    .response(headers: error.headers)
            }
            let allowed = routes.methods(forPath: request.uri.path)
            guard !allowed.isEmpty else {
                return HTTPProblem(.notFound, "not-found", "no route \(request.uri.path)").response()
            }
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            return HTTPProblem(
                .methodNotAllowed, "method-not-allowed", "\(request.method.rawValue) is not allowed on \(request.uri.path) (allowed: \(allow))"
            ).response(headers: [.allow: allow])
        }
    }
}

/// The routes a router serves, by path pattern (`v1/streams/:id`), for ``ProblemMiddleware``'s 405s.
final class RouteTable: Sendable {
    private let patterns = NIOLockedValueBox<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    /// Records every route of `router` (call once its routes are added); a GET route also answers HEAD.
    func record<C>(_ router: Router<C>) {
        var recorded: [(segments: [Substring], method: HTTPRequest.Method)] = []
        for route in router.routes {
            let segments = "\(route.path)".split(separator: "/")
            recorded.append((segments, route.method))
            if route.method == .get { recorded.append((segments, .head)) }
        }
        patterns.withLockedValue { $0 = recorded }
    }

    /// The methods routes accept at `path`, in a stable order; empty when no route matches it.
    func methods(forPath path: String) -> [HTTPRequest.Method] {
        let asked = path.split(separator: "/")
        let methods = patterns.withLockedValue { patterns in
            patterns.filter { pattern in
                pattern.segments.count == asked.count
                    && zip(pattern.segments, asked).allSatisfy { want, have in
                        want == have || want.hasPrefix(":") || want.hasPrefix("{") || want == "*"
                    }
            }.map(\.method)
        }
        return Set(methods.map(\.rawValue)).sorted().map { HTTPRequest.Method(rawValue: $0)! }
    }
}
