import Broadcast
import Foundation
import Hummingbird
import Media
import NIOCore
import RaftcastClient

/// `/v1/streams*`: the catalogue, read on any node; ingest and removal on the leader (docs/openapi.yaml).
extension NodeHTTPAPI {
    /// The JSON body of the library form of `POST /v1/streams`.
    struct LibraryIngestBody: Decodable {
        var media: String
        var name: String?
        var id: String?
        var fast: Bool?
        var now: Bool?
    }

    /// The answer to an accepted `POST /v1/streams`.
    struct IngestAccepted: Encodable {
        var id: String
        var location: String
        var totalFragments: Int

        enum CodingKeys: String, CodingKey {
            case id, location
            case totalFragments = "total_fragments"
        }
    }

    func addStreamRoutes(to router: Router<BasicRequestContext>) {
        let api = self
        router.get("v1/streams") { _, _ -> Response in
            let catalogue = api.backend.catalogue
            let streams = catalogue.streams.map { StreamResource($0, ingest: api.backend.ingestStatus(of: $0.id)) }
            return Self.json(["streams": streams])
        }
        router.get("v1/streams/:id") { _, context -> Response in
            switch api.stream(context) {
            case .failure(let problem): return problem.response()
            case .success(let stream): return Self.json(StreamResource(stream, ingest: api.backend.ingestStatus(of: stream.id)))
            }
        }
        router.get("v1/streams/:id/fragments") { _, context -> Response in
            switch api.stream(context) {
            case .failure(let problem): return problem.response()
            case .success(let stream):
                return Self.json(FragmentList(stream: stream.id.description, fragments: stream.fragments.map(FragmentResource.init)))
            }
        }
        router.post("v1/streams") { request, _ -> Response in
            if let refusal = api.writeRefusal(request) { return refusal }
            do {
                return try await api.ingest(request)
            } catch let problem as HTTPProblem {
                return problem.response()
            }
        }
        router.delete("v1/streams/:id") { request, context -> Response in
            if let refusal = api.writeRefusal(request) { return refusal }
            let stream: CatalogueStream
            switch api.stream(context) {
            case .failure(let problem): return problem.response()
            case .success(let found): stream = found
            }
            let outcome = await api.backend.propose(
                CatalogueEntry.streamRemoved(stream: stream.id).encoded(), timeout: Self.proposeTimeout)
            switch outcome {
            case .applied:
                return Self.json(RemovedStream(id: stream.id.description, removed: true))
            case .notLeader:
                return api.redirectToLeader(request) ?? HTTPProblem(.serviceUnavailable, "no-leader", "no leader known").response()
            case .timedOut, .refused:
                return HTTPProblem(.serviceUnavailable, "no-quorum", "the removal was not committed within \(Self.proposeTimeout)")
                    .response()
            }
        }
    }

    struct FragmentList: Encodable {
        var stream: String
        var fragments: [FragmentResource]
    }

    struct RemovedStream: Encodable {
        var id: String
        var removed: Bool
    }

    /// The stream named by the `:id` path parameter.
    func stream(_ context: BasicRequestContext) -> Result<CatalogueStream, HTTPProblem> {
        let text = context.parameters.get("id") ?? ""
        guard let id = StreamID(text) else {
            return .failure(HTTPProblem(.badRequest, "bad-stream-id", "\"\(text)\" is not a stream id (16 hex digits)"))
        }
        guard let stream = backend.catalogue.stream(id) else {
            return .failure(HTTPProblem(.notFound, "unknown-stream", "no stream \(id) in the catalogue"))
        }
        return .success(stream)
    }

    /// Nil when `request` may write here: it carries the token and this node leads. Otherwise 401, a 307 to
    /// the leader, or 503 when no leader is known.
    func writeRefusal(_ request: Request) -> Response? {
        guard AdminToken.authorizes(header: request.headers[.authorization], secret: secret) else {
            return HTTPProblem(.unauthorized, "unauthorized", "missing or wrong bearer token").response()
        }
        guard backend.report.role != "leader" else { return nil }
        return redirectToLeader(request) ?? HTTPProblem(.serviceUnavailable, "no-leader", "no leader known").response()
    }

    /// A 307 to the same path and query on the leader, nil when no leader is known.
    func redirectToLeader(_ request: Request) -> Response? {
        Self.redirectToLeader(request, report: backend.report)
    }

    /// A 307 to the same path and query on the leader `report` names; nil when it names none or this node
    /// leads.
    static func redirectToLeader(_ request: Request, report: ClusterStatusReport) -> Response? {
        guard let http = report.leaderHTTP, report.role != "leader" else { return nil }
        let query = request.uri.query.map { "?\($0)" } ?? ""
        return HTTPProblem(.temporaryRedirect, "not-leader", "not the leader; the leader is \(report.leader ?? "?")")
            .response(headers: [.location: "http://\(http)\(request.uri.path)\(query)"])
    }

    /// `POST /v1/streams`: stores the upload (or finds the library file), validates it, starts the ingest.
    func ingest(_ request: Request) async throws(HTTPProblem) -> Response {
        let isLibrary = request.headers[.contentType]?.hasPrefix("application/json") ?? false
        var name: String
        var idText: String?
        var paced: Bool
        var interrupts: Bool
        let path: String
        let source: CatalogueSource
        let isUpload: Bool
        if isLibrary {
            let body: LibraryIngestBody
            do {
                let bytes = try await request.body.collect(upTo: 64 << 10)
                body = try JSONDecoder().decode(LibraryIngestBody.self, from: Data(buffer: bytes))
            } catch {
                throw HTTPProblem(.badRequest, "bad-request", "the JSON body must be {\"media\": \"<file in media_dir>\", \"name\"?, \"id\"?, \"fast\"?, \"now\"?}")
            }
            try Self.checkText(body.media, field: "media", maxBytes: UntrustedText.maxLibraryPathBytes)
            if let name = body.name { try Self.checkText(name, field: "name", maxBytes: UntrustedText.maxNameBytes) }
            guard let library = cluster.mediaDirectory.map(MediaLibrary.init(directory:)) else {
                throw HTTPProblem(.notFound, "unknown-media", "this cluster has no media library (cluster.media_dir)")
            }
            guard let found = library.path(of: body.media) else {
                throw HTTPProblem(.notFound, "unknown-media", "\(body.media) is not a file in the media library")
            }
            path = found
            name = body.name ?? (body.media as NSString).lastPathComponent
            idText = body.id
            paced = !(body.fast ?? false)
            interrupts = body.now ?? false
            isUpload = false
            let size = (try? FileManager.default.attributesOfItem(atPath: found)[.size] as? NSNumber)?.uint64Value ?? 0
            guard let digest = try? MediaLibrary.sha256(ofFileAt: found) else {
                throw HTTPProblem(.internalServerError, "unreadable-media", "\(body.media) cannot be read")
            }
            source = CatalogueSource(fileName: body.media, size: size, sha256: digest)
        } else {
            let query = request.uri.queryParameters
            let fileName = query["filename"].map(String.init) ?? "upload"
            try Self.checkText(fileName, field: "filename", maxBytes: UntrustedText.maxFileNameBytes)
            name = query["name"].map(String.init) ?? fileName
            try Self.checkText(name, field: "name", maxBytes: UntrustedText.maxNameBytes)
            idText = query["id"].map(String.init)
            paced = !Self.flag(query["fast"].map(String.init))
            interrupts = Self.flag(query["now"].map(String.init))
            isUpload = true
            let id = try Self.streamID(idText)
            idText = id.description
            let stored = try await receiveUpload(request, id: id)
            path = stored.path
            source = CatalogueSource(fileName: (fileName as NSString).lastPathComponent, size: stored.size, sha256: stored.sha256)
        }
        // A default name made from a library path may be longer than a name may be.
        if name.utf8.count > UntrustedText.maxNameBytes { name = Self.prefix(name, bytes: UntrustedText.maxNameBytes) }
        let id = try Self.streamID(idText)
        let total: Int
        switch await UploadValidation.fragmentCount(path: path, fragmentSeconds: cluster.fragmentSeconds) {
        case .success(let count): total = count
        case .failure(let error):
            if isUpload { uploads.remove(path) }
            let status: HTTPResponse.Status = error.kind == .decoderFailure ? .internalServerError : .unprocessableContent
            throw HTTPProblem(status, "bad-media", "\(source.fileName): \(error.reason)")
        }
        let ingestRequest = IngestRequest(
            streamID: id, name: name, path: path, source: source, fragmentSeconds: cluster.fragmentSeconds,
            expectedFragmentCount: total, isPaced: paced, isUpload: isUpload, interruptsProgramme: interrupts)
        let location = "/v1/streams/\(id)"
        let accepted = IngestAccepted(id: id.description, location: location, totalFragments: total)
        let started = await backend.startIngest(ingestRequest)
        // The upload is only kept for a session that reads it (which removes it when its stream ends).
        if isUpload {
            switch started {
            case .started: break
            case .alreadyComplete, .notLeader, .conflict, .failed: uploads.remove(path)
            }
        }
        switch started {
        case .started:
            var response = Self.json(accepted, status: .accepted)
            response.headers[.location] = location
            return response
        case .alreadyComplete:
            var response = Self.json(accepted)
            response.headers[.location] = location
            return response
        case .notLeader:
            throw HTTPProblem(.serviceUnavailable, "leadership-lost", "this node stopped being the leader; retry on the new one")
        case .conflict(let reason):
            throw HTTPProblem(.conflict, "stream-conflict", reason)
        case .failed(let reason):
            throw HTTPProblem(.unprocessableContent, "bad-media", "\(source.fileName): \(reason)")
        }
    }

    /// Whether a query flag is on (`1`, `true`, `yes`).
    static func flag(_ value: String?) -> Bool { ["1", "true", "yes"].contains(value ?? "0") }

    /// The longest prefix of `text` of at most `bytes` UTF-8 bytes that ends on a character boundary.
    static func prefix(_ text: String, bytes: Int) -> String {
        var out = ""
        var count = 0
        for character in text {
            count += character.utf8.count
            guard count <= bytes else { break }
            out.append(character)
        }
        return out
    }

    /// `text` as a stream id, or a fresh random one when nil.
    static func streamID(_ text: String?) throws(HTTPProblem) -> StreamID {
        guard let text else { return StreamID(UInt64.random(in: 1...UInt64.max)) }
        guard let id = StreamID(text), id != 0 else {
            throw HTTPProblem(.badRequest, "bad-stream-id", "\"\(text)\" is not a stream id (16 hex digits, not all zero)")
        }
        return id
    }

    /// Checks the request before the body is read (413 above the limit, 507 when the disk cannot hold it),
    /// then streams the body into the upload store (``UploadStore``).
    func receiveUpload(_ request: Request, id: StreamID) async throws(HTTPProblem) -> UploadStore.Stored {
        try uploads.admit(declaredLength: request.headers[.contentLength].flatMap { Int($0) })
        return try await uploads.receive(request.body, id: id)
    }

    /// Refuses `value` of the free-text field `field` (422 `invalid-text`, naming the field) when it holds a
    /// control character or is longer than `maxBytes` (``UntrustedText``).
    static func checkText(_ value: String, field: String, maxBytes: Int) throws(HTTPProblem) {
        if let reason = UntrustedText.refusal(value, maxBytes: maxBytes) {
            throw HTTPProblem(.unprocessableContent, "invalid-text", "\(field): \(reason)")
        }
    }
}
