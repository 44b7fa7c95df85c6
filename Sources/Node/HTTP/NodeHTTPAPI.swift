import Foundation
import Hummingbird
import Logging
import NIOCore
import RaftcastClient

/// The node's HTTP endpoints (Hummingbird 2):
///
/// | method | path | answer |
/// |---|---|---|
/// | GET | `/v1/cluster` | ``ClusterStatusReport`` as JSON |
/// | GET | `/health` | ``NodeHealth`` (200), or 503 `unhealthy` with the reason; open without a token |
/// | GET | `/metrics` | Prometheus text format |
/// | GET | `/v1/streams`, `/v1/streams/{id}`, `/v1/streams/{id}/fragments` | the catalogue (``StreamResource``, ``FragmentResource``) |
/// | GET | `/v1/streams/{id}/hls/index.m3u8`, `…/hls/init.mp4`, `…/hls/{n}.m4s` | HLS of the committed fragments (fMP4; docs/hls.md) |
/// | GET | `/v1/live/index.m3u8` | the live programme as one HLS playlist, item after item (docs/hls.md) |
/// | POST | `/v1/streams` | ingest an upload or a media-library file (leader; token) |
/// | DELETE | `/v1/streams/{id}` | remove a stream (leader; token) |
/// | GET | `/v1/events` | server-sent events (``NodeEvent``) |
/// | GET | `/`, `/app/{name}` | the web app (``WebAssets``: index.html and its files; docs/web.md); open without a token |
/// | GET | `/openapi.yaml` | the API's OpenAPI document (docs/openapi.yaml, ``OpenAPIDocument``) |
/// | GET | `/v1/members` | ``MemberList``: the replicated member directory, with reachability and the leader's match indexes |
/// | GET | `/v1/playback` | ``PlaybackReport``: what this node plays and its clock sync (``PlaybackService``, ``ClockSyncService``) |
/// | POST | `/v1/debug/propose` | for tests and benchmarks only, with `debugPropose` (`raftcast node --enable-debug-propose`): proposes the raw body; `Authorization: Bearer <AdminToken>` required; else 404 |
///
/// Errors are ``HTTPProblem`` (`application/problem+json`), also an unknown path (404 `not-found`) and a
/// method a path does not take (405 `method-not-allowed`, with `Allow`); HEAD works on every GET route;
/// writes on a follower answer 307 to the leader.
/// docs/openapi.yaml describes every endpoint.
///
/// `/v1/debug/propose` answers 200 `{"index":…,"term":…}` once the entry is
/// applied on the leader; 307 with `Location` on a follower that knows the
/// leader; 401 without the right token; 503 when there is no leader or the
/// entry is not applied within ``proposeTimeout``; 413 above ``maxProposalBytes``. Without `debugPropose`
/// it answers 404 (problem `not-found`) to everyone, before looking at the token or the body.
public struct NodeHTTPAPI: Sendable {
    /// Longest wait for a proposal to be applied.
    public static let proposeTimeout: Duration = .seconds(5)
    /// Largest proposal body accepted.
    public static let maxProposalBytes = 16 << 20

    let backend: any NodeBackend
    let metrics: NodeMetrics
    let secret: [UInt8]
    let cluster: ClusterConfig
    let uploads: UploadStore
    let playback: PlaybackService?
    let clockSync: ClockSyncService?
    let debugPropose: Bool
    /// Whether this node has a live connection to member `id` (`GET /v1/members`); nil: unknown, reported as false.
    let memberReachable: (@Sendable (String) -> Bool)?
    /// HLS segments remuxed on this node (``NodeHTTPAPI+HLS``).
    let hlsCache = HLSSegmentCache()
    /// This node's numbering of the live playlist's segments (``NodeHTTPAPI+Live``).
    let liveSequence = LiveSequenceNumbers()
    /// The numbered server-sent events of `GET /v1/events` (``NodeHTTPAPI+Events``).
    let events = EventJournal()

    /// The API of the node behind `backend` (its ``RaftLoop``); uploads are stored in `uploadDirectory` (on
    /// `uploadFileSystem`).
    /// `GET /v1/playback` is served when `playback` or `clockSync` is given, `POST /v1/debug/propose` only
    /// with `debugPropose`.
    public init(
        backend: any NodeBackend, metrics: NodeMetrics, cluster: ClusterConfig, uploadDirectory: String,
        uploadFileSystem: any UploadFileSystem = POSIXUploadFileSystem(),
        playback: PlaybackService? = nil, clockSync: ClockSyncService? = nil, debugPropose: Bool = false,
        memberReachable: (@Sendable (String) -> Bool)? = nil
    ) {
        self.backend = backend
        self.metrics = metrics
        self.secret = cluster.secret
        self.cluster = cluster
        self.uploads = UploadStore(directory: uploadDirectory, maxBytes: cluster.maxUploadBytes, fileSystem: uploadFileSystem)
        self.playback = playback
        self.clockSync = clockSync
        self.debugPropose = debugPropose
        self.memberReachable = memberReachable
    }

    /// The router serving every endpoint.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        let routes = RouteTable()
        // Outermost: errors and preflights carry the CORS headers too (a preflight needs no token).
        let backend = self.backend
        router.add(middleware: ClusterCORSMiddleware(cluster: cluster) { backend.members.members.map { "\($0.http)" } })
        router.add(middleware: ProblemMiddleware(routes: routes))
        if !cluster.openReads { router.add(middleware: ReadAccessMiddleware(secret: secret)) }
        addStreamRoutes(to: router)
        addHLSRoutes(to: router)
        addLiveRoutes(to: router)
        addEventRoutes(to: router)
        addQueueRoutes(to: router)
        addPlaybackRoute(to: router)
        addMemberRoutes(to: router)
        addHealthRoute(to: router)
        addWebRoutes(to: router)
        let metrics = self.metrics
        let secret = self.secret
        let bootstrapMembers = cluster.nodes.map { ClusterStatusReport.Member(id: $0.id, http: $0.http.description) }
        router.get("v1/cluster") { _, _ -> Response in
            var report = backend.report
            // The replicated directory's members (cluster.yaml's while it lists none).
            let directory = backend.members.members
            report.members = directory.isEmpty
                ? bootstrapMembers : directory.map { ClusterStatusReport.Member(id: $0.id, http: "\($0.http)") }
            return Self.json(report)
        }
        // What `raftcast node --join` needs: the settings and the bootstrap members (admin token, always).
        let bootstrap = ClusterBootstrap(cluster)
        router.get("v1/cluster/bootstrap") { request, _ -> Response in
            guard AdminToken.authorizes(header: request.headers[.authorization], secret: secret) else {
                return HTTPProblem(.unauthorized, "unauthorized", "missing or wrong bearer token").response()
            }
            return Self.json(bootstrap)
        }
        let playback = self.playback
        router.get("metrics") { _, _ -> Response in
            metrics.record(playback: playback?.snapshot.engine)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("openapi.yaml") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: OpenAPIDocument.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        let debugPropose = self.debugPropose
        router.post("v1/debug/propose") { request, _ -> Response in
            guard debugPropose else {
                return HTTPProblem(
                    .notFound, "not-found", "POST /v1/debug/propose is off (raftcast node --enable-debug-propose)"
                ).response()
            }
            guard AdminToken.authorizes(header: request.headers[.authorization], secret: secret) else {
                return HTTPProblem(.unauthorized, "unauthorized", "missing or wrong bearer token").response()
            }
            if let redirect = Self.redirectToLeader(request, report: backend.report) { return redirect }
            guard backend.report.role == "leader" else {
                return HTTPProblem(.serviceUnavailable, "no-leader", "no leader known").response()
            }
            let body: [UInt8]
            do {
                body = try await request.body.collectBytes(
                    upTo: Self.maxProposalBytes, declaredLength: request.headers[.contentLength])
            } catch {
                return HTTPProblem(.contentTooLarge, "too-large", "body larger than \(Self.maxProposalBytes) bytes").response()
            }
            switch await backend.propose(body, timeout: Self.proposeTimeout) {
            case .applied(let index, let term):
                return Self.json(["index": index, "term": term])
            case .notLeader:
                return Self.redirectToLeader(request, report: backend.report)
                    ?? HTTPProblem(.serviceUnavailable, "no-leader", "no leader known").response()
            case .timedOut:
                return HTTPProblem(.serviceUnavailable, "no-quorum", "not applied within \(Self.proposeTimeout)").response()
            case .refused(let reason):
                return HTTPProblem(.serviceUnavailable, "refused", reason).response()
            }
        }
        routes.record(router)
        return router
    }

    /// `value` as a JSON response (keys sorted), with `headers` added.
    static func json<T: Encodable>(
        _ value: T, status: HTTPResponse.Status = .ok, contentType: String = "application/json", headers: HTTPFields = [:]
    ) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var fields: HTTPFields = [.contentType: contentType]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

}
