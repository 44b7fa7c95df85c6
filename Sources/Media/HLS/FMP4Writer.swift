/// Remuxes a stream's committed fragments into fMP4 (CMAF-style) segments for HLS without
/// re-encoding: an init segment from the `StreamHeader`, and one media segment per `Fragment`.
///
/// The bytes are a pure function of the header and the fragment: the muxer runs bit-exact (no
/// creation time, no encoder string), each segment is written by a fresh muxer, and a fragment's
/// timestamps are its packets' own (shifted by `FMP4Layout.decodeTimeOffsetSeconds`). Two nodes, or
/// two calls, give the same bytes. See `FMP4Layout` for the box layout and docs/hls.md.
///
/// Audio-only MP3 streams are carried the same way (`mp4a`, object type 0x6B: MP3 in fMP4, which
/// Chromium's Media Source Extensions accept as `audio/mp4; codecs="mp4a.6B"`).
public struct FMP4Writer: Sendable {
    /// The stream's tracks.
    public let header: StreamHeader

    /// A writer for the stream `header` describes.
    public init(header: StreamHeader) { self.header = header }

    /// The init segment (`ftyp` + `moov`).
    public func initSegment() throws(FMP4Error) -> [UInt8] {
        let muxer = try FMP4Muxer(header: header, sequenceNumber: 1)
        return try muxer.writeHeader()
    }

    /// The media segment (`moof` + `mdat`) of `fragment`, whose packets are in the tracks' time bases.
    public func mediaSegment(_ fragment: Fragment) throws(FMP4Error) -> [UInt8] {
        guard fragment.index >= 0, fragment.index < Int(Int32.max) else {
            throw FMP4Error("fragment index \(fragment.index) does not fit an mfhd sequence number")
        }
        let muxer = try FMP4Muxer(header: header, sequenceNumber: fragment.index + 1)
        _ = try muxer.writeHeader()
        return try muxer.writeFragment(fragment)
    }

    /// The RFC 6381 `CODECS` value of the tracks, e.g. `avc1.64001e,mp4a.40.2`, for a playlist.
    public var codecs: String {
        [header.video, header.audio].compactMap { $0 }.map(Self.codecString).joined(separator: ",")
    }

    static func codecString(_ track: TrackInfo) -> String {
        switch track.codecName {
        case "h264":
            // avcC: version, profile, compatibility, level.
            if track.extradata.count >= 4, track.extradata[0] == 1 {
                let bytes = track.extradata[1...3].map { hex($0) }.joined()
                return "avc1.\(bytes)"
            }
            return "avc1"
        case "aac":
            // Audio object type: the top five bits of the AudioSpecificConfig.
            let objectType = track.extradata.first.map { Int($0 >> 3) } ?? 2
            return "mp4a.40.\(objectType)"
        case "mp3": return "mp4a.6B"
        default: return track.codecName
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
