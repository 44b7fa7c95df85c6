/// How a stream's fragments are served as HLS segments: fMP4 (init segment + `moof`/`mdat` media
/// segments) for everything Chromium's Media Source Extensions take in MP4 (H.264, AAC), packed MP3
/// (RFC 8216 3.4: MPEG audio frames behind an ID3 timestamp) for audio-only MP3 streams, because
/// Chromium does not accept MP3 inside MP4 (`audio/mp4; codecs="mp4a.6B"`) but does accept `audio/mpeg`.
public enum HLSSegmentFormat: Sendable, Hashable {
    /// `FMP4Writer`: `init.mp4` and `{n}.m4s`.
    case fmp4
    /// `PackedAudioWriter`: `{n}.mp3`, no init segment.
    case packedMP3

    /// The format for the stream `header` describes.
    public init(header: StreamHeader) {
        self = header.video == nil && header.audio.codecName == "mp3" ? .packedMP3 : .fmp4
    }

    /// How much later than its packet's own time every sample lies inside a segment, in seconds (both
    /// formats: the fMP4 `tfdt`/sample times and packed audio's ID3 timestamp; ``FMP4Layout``).
    public static let mediaTimeOffsetSeconds = Double(FMP4Layout.decodeTimeOffsetSeconds)

    /// The media segments' file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .fmp4: "m4s"
        case .packedMP3: "mp3"
        }
    }

    /// The media segments' content type.
    public var contentType: String {
        switch self {
        case .fmp4: "video/iso.segment"
        case .packedMP3: "audio/mpeg"
        }
    }

    /// The init segment's name, nil when the format has none.
    public var initSegmentName: String? {
        switch self {
        case .fmp4: "init.mp4"
        case .packedMP3: nil
        }
    }
}
