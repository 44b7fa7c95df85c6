import HTTPTypes
import Hummingbird
import NIOCore
import RaftcastClient

/// The web app (docs/web.md): `GET /` is `index.html`, `GET /app/{name}` each file of Sources/Node/Web/
/// (``WebAssets``, compiled in by scripts/gen-web.sh). Every answer carries the file's SHA-256 as `ETag`
/// and `Cache-Control: no-cache` (a browser revalidates and gets 304 while the node runs the same build, so
/// a page never mixes files of two builds); an unknown name is 404 `not-found`. Open without the token
/// even with `open_reads: false` (``ReadAccessMiddleware``): the page is not data, it asks for the token.
extension NodeHTTPAPI {
    /// The `Cache-Control` of the page and its files.
    static let webCacheControl = "no-cache"

    func addWebRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ -> Response in
            Self.webResponse(name: "index.html", request: request)
        }
        router.get("app/:name") { request, context -> Response in
            Self.webResponse(name: context.parameters.get("name") ?? "", request: request)
        }
    }

    /// 200 with the asset, 304 when `If-None-Match` names its tag, 404 for a name that is not a file.
    static func webResponse(name: String, request: Request) -> Response {
        guard let asset = WebAssets.all[name] else {
            return HTTPProblem(.notFound, "not-found", "no web app file \"\(String(name.prefix(64)))\"").response()
        }
        var headers: HTTPFields = [.cacheControl: webCacheControl, .eTag: asset.etag]
        if EntityTag.ifNoneMatch(request, matches: asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
