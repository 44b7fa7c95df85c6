import Broadcast
import Hummingbird
import Media
import NIOCore
import RaftcastClient

/// `/v1/streams/{id}/hls/…`: HLS of a stream's committed fragments, on every node (docs/hls.md).
///
/// | path | answer |
/// |---|---|
/// | `index.m3u8` | the media playlist: every committed fragment, `EXT-X-ENDLIST` once the stream is over; `no-cache` |
/// | `init.mp4` | the fMP4 init segment (`ftyp` + `moov`) of the stream header |
/// | `{n}.m4s` | fragment `n` remuxed (`moof` + `mdat`) |
/// | `{n}.mp3` | instead of the two above for an audio-only MP3 stream: fragment `n` as packed audio (``HLSSegmentFormat``) |
///
/// Segments are a pure function of committed data, the same bytes on every node: cacheable for a year
/// (`immutable`), `ETag` the SHA-256 of the bytes, `If-None-Match` answered 304. Each is remuxed once
/// per node (``HLSSegmentCache``) from the record read back from the log; `/metrics` counts the segment
/// requests (`raftcast_hls_segment_requests_total`) and the remuxes (`raftcast_hls_segments_remuxed_total`).
extension NodeHTTPAPI {
    static let hlsPlaylistType = "application/vnd.apple.mpegurl"
    static let segmentCacheControl = "public, max-age=31536000, immutable"

    func addHLSRoutes(to router: Router<BasicRequestContext>) {
        let api = self
        router.get("v1/streams/:id/hls/:file") { request, context -> Response in
            let stream: CatalogueStream
            switch api.stream(context) {
            case .failure(let problem): return problem.response()
            case .success(let found): stream = found
            }
            let file = context.parameters.get("file") ?? ""
            if file == "index.m3u8" { return api.playlist(stream) }
            let format = HLSSegmentFormat(header: stream.header)
            let result: Result<(HLSSegmentCache.Segment, String), HTTPProblem>
            if file == format.initSegmentName {
                result = api.initSegment(stream).map { ($0, stream.header.video == nil ? "audio/mp4" : "video/mp4") }
            } else if let index = Self.segmentIndex(file, fileExtension: format.fileExtension), index < stream.fragments.count {
                result = api.mediaSegment(stream, index: index, format: format).map { ($0, format.contentType) }
            } else {
                result = .failure(
                    HTTPProblem(.notFound, "not-found", "stream \(stream.id) has no HLS file \"\(file.prefix(64))\""))
            }
            switch result {
            case .failure(let problem): return problem.response()
            case .success(let (segment, type)): return Self.segmentResponse(segment, contentType: type, request: request)
            }
        }
    }

    /// `n` of "n.m4s" (`fileExtension`; decimal digits, no sign or leading zero), nil for anything else.
    static func segmentIndex(_ file: String, fileExtension: String) -> Int? {
        guard file.hasSuffix("." + fileExtension) else { return nil }
        let digits = file.dropLast(fileExtension.count + 1)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            digits == "0" || !digits.hasPrefix("0")
        else { return nil }
        return Int(digits)
    }

    func playlist(_ stream: CatalogueStream) -> Response {
        let format = HLSSegmentFormat(header: stream.header)
        let playlist = HLSPlaylist(
            mapURI: format.initSegmentName,
            segments: stream.fragments.map {
                .init(uri: "\($0.index).\(format.fileExtension)", durationSeconds: $0.timeBase.seconds($0.durationPTS))
            },
            ended: stream.isFinal)
        return Response(
            status: .ok, headers: [.contentType: Self.hlsPlaylistType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: playlist.text)))
    }

    func initSegment(_ stream: CatalogueStream) -> Result<HLSSegmentCache.Segment, HTTPProblem> {
        let metrics = self.metrics
        metrics.hlsSegmentRequests.increment()
        do {
            return .success(
                try hlsCache.segment(.init(stream: stream.id, index: -1)) {
                    let bytes = try FMP4Writer(header: stream.header).initSegment()
                    metrics.hlsSegmentsRemuxed.increment()
                    return bytes
                })
        } catch {
            return .failure(HTTPProblem(.internalServerError, "remux-failed", "stream \(stream.id): \(error)"))
        }
    }

    func mediaSegment(
        _ stream: CatalogueStream, index: Int, format: HLSSegmentFormat
    ) -> Result<HLSSegmentCache.Segment, HTTPProblem> {
        let meta = stream.fragments[index]
        let backend = self.backend
        let metrics = self.metrics
        metrics.hlsSegmentRequests.increment()
        do {
            return .success(
                try hlsCache.segment(.init(stream: stream.id, index: index)) {
                    let record = try backend.fragmentRecord(atLogIndex: meta.logIndex)
                    let fragment = try Fragment(decoding: record)
                    let bytes: [UInt8]
                    if format == .packedMP3, let writer = PackedAudioWriter(header: stream.header) {
                        bytes = try writer.segment(fragment)
                    } else {
                        bytes = try FMP4Writer(header: stream.header).mediaSegment(fragment)
                    }
                    metrics.hlsSegmentsRemuxed.increment()
                    return bytes
                })
        } catch let error as CatalogueFragmentStoreError {
            return .failure(
                HTTPProblem(.notFound, "fragment-unavailable", "fragment \(index) of stream \(stream.id) cannot be read: \(error)"))
        } catch {
            return .failure(HTTPProblem(.internalServerError, "remux-failed", "fragment \(index) of stream \(stream.id): \(error)"))
        }
    }

    /// 200 with the bytes, or 304 when `If-None-Match` names the segment's tag; cacheable either way.
    static func segmentResponse(_ segment: HLSSegmentCache.Segment, contentType: String, request: Request) -> Response {
        var headers: HTTPFields = [.cacheControl: segmentCacheControl, .eTag: segment.etag]
        if EntityTag.ifNoneMatch(request, matches: segment.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: segment.bytes)))
    }
}
