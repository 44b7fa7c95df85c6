/// Everything a decoder needs to know about one track, copied from FFmpeg's
/// `AVCodecParameters` and `AVStream` into Swift values (so the wire format and
/// the rest of the code base never see FFmpeg types).
public struct TrackInfo: Sendable, Hashable {
    /// Audio or video.
    public var kind: TrackKind
    /// FFmpeg's `AVCodecID` value.
    public var codecID: Int32
    /// FFmpeg's short codec name, e.g. "mp3", "aac", "h264".
    public var codecName: String
    /// The container's codec tag (fourcc), 0 when none.
    public var codecTag: UInt32
    /// `AVSampleFormat` (audio) or `AVPixelFormat` (video) value, -1 when unknown.
    public var format: Int32
    /// Average bit rate in bit/s, 0 when unknown.
    public var bitRate: Int64
    /// `bits_per_coded_sample`.
    public var bitsPerCodedSample: Int32
    /// `bits_per_raw_sample`.
    public var bitsPerRawSample: Int32
    /// Codec profile (`AV_PROFILE_*`), -99 when unknown.
    public var profile: Int32
    /// Codec level, -99 when unknown.
    public var level: Int32
    /// Video width in pixels (0 for audio).
    public var width: Int32
    /// Video height in pixels (0 for audio).
    public var height: Int32
    /// Audio sample rate in Hz (0 for video).
    public var sampleRate: Int32
    /// `AVChannelOrder` of the channel layout (0 unspecified, 1 native mask).
    public var channelOrder: Int32
    /// Number of audio channels (0 for video).
    public var channelCount: Int32
    /// Channel mask when `channelOrder` is native (1), else 0.
    public var channelMask: UInt64
    /// Samples per audio frame, 0 when variable or unknown.
    public var frameSize: Int32
    /// Encoder delay in samples (`initial_padding`).
    public var initialPadding: Int32
    /// Padding at the end in samples (`trailing_padding`).
    public var trailingPadding: Int32
    /// Samples to decode before output is valid after a seek (`seek_preroll`).
    public var seekPreroll: Int32
    /// `block_align`.
    public var blockAlign: Int32
    /// The track's time base: packet timestamps count in it.
    public var timeBase: TimeBase
    /// Time of the first presented sample or frame, in `timeBase` (the stream's
    /// `start_time`; for MP3 this already counts the skipped encoder delay).
    public var startPTS: Int64
    /// Duration in `timeBase` as the container declares it, nil when unknown.
    public var durationPTS: Int64?
    /// Codec-specific setup bytes (e.g. AAC's AudioSpecificConfig, H.264's avcC).
    public var extradata: [UInt8]

    /// Creates a track description.
    public init(
        kind: TrackKind, codecID: Int32, codecName: String, codecTag: UInt32 = 0, format: Int32 = -1,
        bitRate: Int64 = 0, bitsPerCodedSample: Int32 = 0, bitsPerRawSample: Int32 = 0,
        profile: Int32 = -99, level: Int32 = -99, width: Int32 = 0, height: Int32 = 0,
        sampleRate: Int32 = 0, channelOrder: Int32 = 0, channelCount: Int32 = 0, channelMask: UInt64 = 0,
        frameSize: Int32 = 0, initialPadding: Int32 = 0, trailingPadding: Int32 = 0, seekPreroll: Int32 = 0,
        blockAlign: Int32 = 0, timeBase: TimeBase, startPTS: Int64 = 0, durationPTS: Int64? = nil,
        extradata: [UInt8] = []
    ) {
        self.kind = kind
        self.codecID = codecID
        self.codecName = codecName
        self.codecTag = codecTag
        self.format = format
        self.bitRate = bitRate
        self.bitsPerCodedSample = bitsPerCodedSample
        self.bitsPerRawSample = bitsPerRawSample
        self.profile = profile
        self.level = level
        self.width = width
        self.height = height
        self.sampleRate = sampleRate
        self.channelOrder = channelOrder
        self.channelCount = channelCount
        self.channelMask = channelMask
        self.frameSize = frameSize
        self.initialPadding = initialPadding
        self.trailingPadding = trailingPadding
        self.seekPreroll = seekPreroll
        self.blockAlign = blockAlign
        self.timeBase = timeBase
        self.startPTS = startPTS
        self.durationPTS = durationPTS
        self.extradata = extradata
    }

    /// Declared duration in seconds, nil when unknown.
    public var durationSeconds: Double? { durationPTS.map { timeBase.seconds($0) } }
}
