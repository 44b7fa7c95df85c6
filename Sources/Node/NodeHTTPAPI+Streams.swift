import Broadcast
import Crypto
import Foundation
import Hummingbird
import Media
import NIOCore

/// `/v1/streams*`: the catalogue, read on any node; ingest and removal on the leader (docs/openapi.yaml).
extension NodeHTTPAPI {
    /// The JSON body of the library form of `POST /v1/streams`.
    struct LibraryIngestBody: Decodable {
        var media: String
        var name: String?
        var id: String?
        var fast: Bool?
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
            let catalogue = api.loop.catalogue
            let streams = catalogue.streams.map { StreamResource($0, ingest: api.loop.ingestStatus(of: $0.id)) }
            return Self.json(["streams": streams])
        }
        router.get("v1/streams/:id") { _, context -> Response in
            switch api.stream(context) {
            case .failure(let problem): return problem.response()
            case .success(let stream): return Self.json(StreamResource(stream, ingest: api.loop.ingestStatus(of: stream.id)))
            }
        }
        router.get("v1/streams/:id/fragments") { _, context -> Response in
            switch api.stream(context) {
            case .failure(let problem): return problem.response()
            case .success(let stream):
                return Self.json(FragmentList(stream: StreamIDFormat.string(stream.id), fragments: stream.fragments.map(FragmentResource.init)))
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
            let outcome = await api.loop.propose(
                CatalogueEntry.streamRemoved(stream: stream.id).encoded(), timeout: Self.proposeTimeout)
            switch outcome {
            case .applied:
                return Self.json(RemovedStream(id: StreamIDFormat.string(stream.id), removed: true))
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
        guard let id = StreamIDFormat.parse(text) else {
            return .failure(HTTPProblem(.badRequest, "bad-stream-id", "\"\(text)\" is not a stream id (16 hex digits)"))
        }
        guard let stream = loop.catalogue.stream(id) else {
            return .failure(HTTPProblem(.notFound, "unknown-stream", "no stream \(StreamIDFormat.string(id)) in the catalogue"))
        }
        return .success(stream)
    }

    /// Nil when `request` may write here: it carries the token and this node leads. Otherwise 401, a 307 to
    /// the leader, or 503 when no leader is known.
    func writeRefusal(_ request: Request) -> Response? {
        guard AdminToken.authorizes(header: request.headers[.authorization], secret: secret) else {
            return HTTPProblem(.unauthorized, "unauthorized", "missing or wrong bearer token").response()
        }
        guard loop.report.role != "leader" else { return nil }
        return redirectToLeader(request) ?? HTTPProblem(.serviceUnavailable, "no-leader", "no leader known").response()
    }

    /// A 307 to the same path and query on the leader, nil when no leader is known.
    func redirectToLeader(_ request: Request) -> Response? {
        let report = loop.report
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
        let path: String
        let source: CatalogueSource
        let isUpload: Bool
        if isLibrary {
            let body: LibraryIngestBody
            do {
                let bytes = try await request.body.collect(upTo: 64 << 10)
                body = try JSONDecoder().decode(LibraryIngestBody.self, from: Data(buffer: bytes))
            } catch {
                throw HTTPProblem(.badRequest, "bad-request", "the JSON body must be {\"media\": \"<file in media_dir>\", \"name\"?, \"id\"?, \"fast\"?}")
            }
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
            isUpload = false
            let size = (try? FileManager.default.attributesOfItem(atPath: found)[.size] as? NSNumber)?.uint64Value ?? 0
            guard let digest = try? MediaLibrary.sha256(ofFileAt: found) else {
                throw HTTPProblem(.internalServerError, "unreadable-media", "\(body.media) cannot be read")
            }
            source = CatalogueSource(fileName: body.media, size: size, sha256: digest)
        } else {
            let query = request.uri.queryParameters
            let fileName = query["filename"].map(String.init) ?? "upload"
            name = query["name"].map(String.init) ?? fileName
            idText = query["id"].map(String.init)
            paced = !["1", "true", "yes"].contains(query["fast"].map(String.init) ?? "0")
            isUpload = true
            let id = try Self.streamID(idText)
            idText = StreamIDFormat.string(id)
            let stored = try await receiveUpload(request, id: id)
            path = stored.path
            source = CatalogueSource(fileName: (fileName as NSString).lastPathComponent, size: stored.size, sha256: stored.sha256)
        }
        name = String(name.prefix(200))
        let id = try Self.streamID(idText)
        let total: Int
        switch await UploadValidation.fragmentCount(path: path, fragmentSeconds: cluster.fragmentSeconds) {
        case .success(let count): total = count
        case .failure(let error):
            if isUpload { try? FileManager.default.removeItem(atPath: path) }
            let status: HTTPResponse.Status = error.kind == .decoderFailure ? .internalServerError : .unprocessableContent
            throw HTTPProblem(status, "bad-media", "\(source.fileName): \(error.reason)")
        }
        let ingestRequest = IngestRequest(
            streamID: id, name: name, path: path, source: source, fragmentSeconds: cluster.fragmentSeconds,
            expectedFragmentCount: total, isPaced: paced, isUpload: isUpload)
        let location = "/v1/streams/\(StreamIDFormat.string(id))"
        let accepted = IngestAccepted(id: StreamIDFormat.string(id), location: location, totalFragments: total)
        switch await loop.startIngest(ingestRequest) {
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

    /// `text` as a stream id, or a fresh random one when nil.
    static func streamID(_ text: String?) throws(HTTPProblem) -> CatalogueStreamID {
        guard let text else { return CatalogueStreamID.random(in: 1...CatalogueStreamID.max) }
        guard let id = StreamIDFormat.parse(text), id != 0 else {
            throw HTTPProblem(.badRequest, "bad-stream-id", "\"\(text)\" is not a stream id (16 hex digits, not all zero)")
        }
        return id
    }

    /// Streams the request body into `<uploads>/<id>.upload` (through a `.part` file), hashing it, and refuses
    /// bodies above `max_upload_mb`.
    func receiveUpload(_ request: Request, id: CatalogueStreamID) async throws(HTTPProblem) -> (path: String, size: UInt64, sha256: [UInt8]) {
        let limit = cluster.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw HTTPProblem(.contentTooLarge, "too-large", "the upload is \(length) bytes; the limit is \(limit) (cluster.max_upload_mb)")
        }
        let final = (uploadDirectory as NSString).appendingPathComponent("\(StreamIDFormat.string(id)).upload")
        let part = final + ".part-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: part, contents: nil), let handle = FileHandle(forWritingAtPath: part) else {
            throw HTTPProblem(.internalServerError, "storage", "cannot create \(part)")
        }
        var hasher = SHA256()
        var size = 0
        var failure: HTTPProblem?
        do {
            for try await buffer in request.body {
                size += buffer.readableBytes
                if size > limit {
                    failure = HTTPProblem(.contentTooLarge, "too-large", "the upload exceeds the limit of \(limit) bytes (cluster.max_upload_mb)")
                    break
                }
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try handle.write(contentsOf: buffer.readableBytesView)
            }
        } catch {
            failure = HTTPProblem(.badRequest, "upload-failed", "the upload did not complete: \(error)")
        }
        try? handle.close()
        if failure == nil, size == 0 { failure = HTTPProblem(.unprocessableContent, "bad-media", "the upload is empty") }
        if let failure {
            try? FileManager.default.removeItem(atPath: part)
            throw failure
        }
        do {
            _ = try? FileManager.default.removeItem(atPath: final)
            try FileManager.default.moveItem(atPath: part, toPath: final)
        } catch {
            try? FileManager.default.removeItem(atPath: part)
            throw HTTPProblem(.internalServerError, "storage", "cannot store the upload: \(error)")
        }
        return (final, UInt64(size), Array(hasher.finalize()))
    }
}
