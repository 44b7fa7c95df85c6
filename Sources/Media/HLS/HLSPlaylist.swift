/// An HLS media playlist (RFC 8216, version 7) of fMP4 segments: one `EXT-X-MAP` to the init
/// segment, then one `EXTINF` and relative URI per segment, `EXT-X-ENDLIST` once the stream ended.
public struct HLSPlaylist: Sendable, Hashable {
    /// One media segment.
    public struct Segment: Sendable, Hashable {
        /// Its relative URI, e.g. "3.m4s".
        public var uri: String
        /// Its duration in seconds.
        public var durationSeconds: Double

        /// Creates a segment entry.
        public init(uri: String, durationSeconds: Double) {
            self.uri = uri
            self.durationSeconds = durationSeconds
        }
    }

    /// The init segment's relative URI (`EXT-X-MAP`), nil for packed audio, which has none.
    public var mapURI: String?
    /// The segments in order.
    public var segments: [Segment]
    /// Whether no segment will be added (`EXT-X-ENDLIST`, and `EXT-X-PLAYLIST-TYPE:VOD`).
    public var ended: Bool

    /// Creates a playlist.
    public init(mapURI: String? = "init.mp4", segments: [Segment], ended: Bool) {
        self.mapURI = mapURI
        self.segments = segments
        self.ended = ended
    }

    /// `EXT-X-TARGETDURATION`: the longest segment rounded up to whole seconds (RFC 8216 4.3.3.1
    /// rounds to the nearest integer and requires it be no shorter; rounding up is always safe), at
    /// least 1.
    public var targetDuration: Int {
        let longest = segments.map(\.durationSeconds).max() ?? 0
        return max(1, Int(longest.rounded(.up)))
    }

    /// The playlist's text.
    public var text: String {
        var lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:\(targetDuration)", "#EXT-X-MEDIA-SEQUENCE:0"]
        if ended { lines.append("#EXT-X-PLAYLIST-TYPE:VOD") }
        lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
        if let mapURI { lines.append("#EXT-X-MAP:URI=\"\(mapURI)\"") }
        for segment in segments {
            lines.append("#EXTINF:\(Self.decimal(segment.durationSeconds)),")
            lines.append(segment.uri)
        }
        if ended { lines.append("#EXT-X-ENDLIST") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds with six decimals and no exponent (an `EXTINF` is a decimal-floating-point).
    static func decimal(_ seconds: Double) -> String {
        let micros = Int64((max(0, seconds) * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }
}
