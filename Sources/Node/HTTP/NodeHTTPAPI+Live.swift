import Broadcast
import Hummingbird
import Media
import NIOCore
import RaftcastClient

/// `GET /v1/live/index.m3u8`: the live programme as one HLS playlist (``HLSLivePlaylist``; docs/hls.md,
/// "The live programme"): what the cluster plays, item after item, its segments those of
/// `/v1/streams/{id}/hls/` (the same bytes on every node), each with the cluster time at which it is heard.
/// Lists the fragments of ``LiveProgramme`` over the last ``liveWindow``, up to this node's cluster clock
/// plus the playout delay less ``liveHorizonMargin``: nothing listed can be withdrawn by a later queue
/// decision. 503 `clock-not-synchronized` (with `Retry-After`) before the node's clock is synchronized.
extension NodeHTTPAPI {
    /// How far back the live playlist reaches.
    static let liveWindow: Duration = .seconds(30)
    /// How much earlier than the playout delay the playlist stops: more than the nodes' clocks disagree
    /// (their error bound is well under a millisecond on a LAN) plus the time an entry takes to apply.
    static let liveHorizonMargin: Duration = .milliseconds(100)

    func addLiveRoutes(to router: Router<BasicRequestContext>) {
        let api = self
        router.get("v1/live/index.m3u8") { _, _ -> Response in api.livePlaylist() }
    }

    func livePlaylist() -> Response {
        guard let now = backend.clusterNow() else {
            var response = HTTPProblem(
                .serviceUnavailable, "clock-not-synchronized", "this node's cluster clock is not synchronized yet"
            ).response()
            response.headers[.retryAfter] = "1"
            return response
        }
        let ahead = max(backend.playoutDelay - Self.liveHorizonMargin, .zero)
        let live = LiveProgramme(
            schedule: backend.catalogue.programmeSchedule(), now: now, horizon: now + ahead, window: Self.liveWindow)
        let numbers = liveSequence.number(live.items)
        let playlist = HLSLivePlaylist(
            mediaSequence: numbers.media, discontinuitySequence: numbers.discontinuity,
            items: live.items.map(Self.liveItem),
            minimumTargetDuration: Int(min(max(cluster.fragmentSeconds, 1), 3600).rounded(.up)))
        return Response(
            status: .ok, headers: [.contentType: Self.hlsPlaylistType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: playlist.text)))
    }

    /// One item of the live playlist: its segments by their absolute paths under `/v1/streams/{id}/hls/`.
    static func liveItem(_ item: LiveProgramme.Item) -> HLSLivePlaylist.Item {
        let header = item.stream.header
        let format = HLSSegmentFormat(header: header)
        let base = "/v1/streams/\(item.stream.id)/hls/"
        return HLSLivePlaylist.Item(
            stream: "\(item.stream.id)", format: format,
            codecs: format == .packedMP3 ? "mp3" : FMP4Writer(header: header).codecs,
            mapURI: format.initSegmentName.map { base + $0 },
            segments: item.segments.map { segment in
                HLSLivePlaylist.Segment(
                    uri: base + "\(segment.fragment).\(format.fileExtension)", durationSeconds: segment.durationSeconds,
                    atNanoseconds: segment.at.nanoseconds,
                    mediaStartSeconds: segment.mediaStartSeconds + HLSSegmentFormat.mediaTimeOffsetSeconds)
            }, lastFragment: item.lastFragment)
    }
}
