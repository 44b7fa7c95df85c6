/// A live HLS media playlist (RFC 8216, version 7) over several items, each from its own stream: a
/// sliding window of segments with `EXT-X-DISCONTINUITY` between items, `EXT-X-PROGRAM-DATE-TIME` on every
/// segment, and two tags of raftcast's own (clients ignore tags they do not know, RFC 8216 4.1) that let a
/// player place every sample on the cluster's timeline exactly:
///
/// ```
/// #EXTM3U
/// #EXT-X-VERSION:7
/// #EXT-X-TARGETDURATION:3
/// #EXT-X-MEDIA-SEQUENCE:41
/// #EXT-X-DISCONTINUITY-SEQUENCE:2
/// #EXT-X-INDEPENDENT-SEGMENTS
/// #EXT-X-RAFTCAST-ITEM:STREAM="00000000000000a1",FORMAT=fmp4,CODECS="avc1.64000d,mp4a.40.2"
/// #EXT-X-MAP:URI="/v1/streams/00000000000000a1/hls/init.mp4"
/// #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:02:03.450Z
/// #EXT-X-RAFTCAST-SEGMENT:AT-NS=123450000000,MEDIA-START=14.000000
/// #EXTINF:2.000000,
/// /v1/streams/00000000000000a1/hls/4.m4s
/// #EXT-X-DISCONTINUITY
/// #EXT-X-RAFTCAST-ITEM:STREAM="00000000000000b2",FORMAT=mp3,CODECS="mp3"
/// …
/// ```
/// - `AT-NS`: the cluster time (ns) at which the segment's first sample is heard on every node;
///   `PROGRAM-DATE-TIME` is the same instant to the millisecond, counted from the cluster clock's epoch
///   (1970-01-01T00:00:00Z stands for cluster time 0, not the wall clock).
/// - `MEDIA-START`: the time (s) the segment's first sample carries inside the segment (its `tfdt`, or
///   the ID3 timestamp of packed audio): so a sample at media time `m` is heard at `AT-NS + (m −
///   MEDIA-START)`.
/// - `FORMAT`: `fmp4` (an `EXT-X-MAP` follows) or `mp3` (packed audio, no map).
/// - `LAST-FRAGMENT`: the index of the item's last fragment, once known (its stream ended, failed or was
///   cut by the programme); absent while more may come. A player fetches the next fragment before it is
///   listed only up to it.
public struct HLSLivePlaylist: Sendable, Hashable {
    /// One item: a run of segments from one stream.
    public struct Item: Sendable, Hashable {
        /// The stream's id, as in its URIs.
        public var stream: String
        /// How its segments are written.
        public var format: HLSSegmentFormat
        /// RFC 6381 codecs of its tracks (`mp3` for packed MP3).
        public var codecs: String
        /// The init segment's URI (`EXT-X-MAP`), nil for packed audio.
        public var mapURI: String?
        /// Its segments in order.
        public var segments: [Segment]
        /// The index of the item's last fragment, once known (`LAST-FRAGMENT`).
        public var lastFragment: Int?

        /// Creates an item.
        public init(
            stream: String, format: HLSSegmentFormat, codecs: String, mapURI: String?, segments: [Segment],
            lastFragment: Int? = nil
        ) {
            self.stream = stream
            self.format = format
            self.codecs = codecs
            self.mapURI = mapURI
            self.segments = segments
            self.lastFragment = lastFragment
        }
    }

    /// One segment.
    public struct Segment: Sendable, Hashable {
        /// Its URI.
        public var uri: String
        /// Its duration in seconds.
        public var durationSeconds: Double
        /// The cluster time (ns) at which its first sample is heard.
        public var atNanoseconds: Int64
        /// Its first sample's media time inside the segment, seconds.
        public var mediaStartSeconds: Double

        /// Creates a segment.
        public init(uri: String, durationSeconds: Double, atNanoseconds: Int64, mediaStartSeconds: Double) {
            self.uri = uri
            self.durationSeconds = durationSeconds
            self.atNanoseconds = atNanoseconds
            self.mediaStartSeconds = mediaStartSeconds
        }
    }

    /// The media sequence number of the first segment.
    public var mediaSequence: Int
    /// How many discontinuities came before the first segment.
    public var discontinuitySequence: Int
    /// The items, in play order.
    public var items: [Item]
    /// The smallest `EXT-X-TARGETDURATION` to write (a live playlist's target must not shrink as the
    /// window slides: callers pass the configured fragment length).
    public var minimumTargetDuration: Int

    /// Creates a playlist.
    public init(mediaSequence: Int, discontinuitySequence: Int, items: [Item], minimumTargetDuration: Int = 1) {
        self.mediaSequence = mediaSequence
        self.discontinuitySequence = discontinuitySequence
        self.items = items
        self.minimumTargetDuration = minimumTargetDuration
    }

    /// `EXT-X-TARGETDURATION`: the longest segment rounded up, at least ``minimumTargetDuration``.
    public var targetDuration: Int {
        let longest = items.flatMap(\.segments).map(\.durationSeconds).max() ?? 0
        return max(minimumTargetDuration, 1, Int(min(longest, 86_400).rounded(.up)))
    }

    /// The playlist's text.
    public var text: String {
        var lines = [
            "#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:\(targetDuration)",
            "#EXT-X-MEDIA-SEQUENCE:\(mediaSequence)", "#EXT-X-DISCONTINUITY-SEQUENCE:\(discontinuitySequence)",
            "#EXT-X-INDEPENDENT-SEGMENTS",
        ]
        for (position, item) in items.enumerated() {
            if position > 0 { lines.append("#EXT-X-DISCONTINUITY") }
            let format = item.format == .fmp4 ? "fmp4" : "mp3"
            let last = item.lastFragment.map { ",LAST-FRAGMENT=\($0)" } ?? ""
            lines.append("#EXT-X-RAFTCAST-ITEM:STREAM=\"\(item.stream)\",FORMAT=\(format),CODECS=\"\(item.codecs)\"\(last)")
            if let mapURI = item.mapURI { lines.append("#EXT-X-MAP:URI=\"\(mapURI)\"") }
            for segment in item.segments {
                lines.append("#EXT-X-PROGRAM-DATE-TIME:\(Self.programDateTime(segment.atNanoseconds))")
                lines.append(
                    "#EXT-X-RAFTCAST-SEGMENT:AT-NS=\(segment.atNanoseconds),MEDIA-START=\(HLSPlaylist.decimal(segment.mediaStartSeconds))")
                lines.append("#EXTINF:\(HLSPlaylist.decimal(segment.durationSeconds)),")
                lines.append(segment.uri)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Cluster nanoseconds as an ISO 8601 date-time with milliseconds, cluster time 0 being the Unix epoch
    /// (`1970-01-01T00:00:00.000Z`); times before it are written as the epoch.
    static func programDateTime(_ nanoseconds: Int64) -> String {
        let milliseconds = max(0, nanoseconds) / 1_000_000
        let seconds = milliseconds / 1000
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = milliseconds % 1000
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):"
            + "\(two(secondOfDay % 60)).\(fraction)Z"
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
