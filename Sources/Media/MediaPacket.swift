/// One compressed packet of a track, with what a decoder needs besides its
/// bytes: timestamps in the track's time base, flags, and the skip-samples side
/// data that gapless playback depends on.
public struct MediaPacket: Sendable, Hashable {
    /// The track the packet belongs to.
    public var track: TrackKind
    /// Presentation timestamp in the track's time base, nil when unknown.
    public var pts: Int64?
    /// Decoding timestamp in the track's time base, nil when unknown.
    public var dts: Int64?
    /// Duration in the track's time base (0 when unknown).
    public var duration: Int64
    /// The packet starts a keyframe (`AV_PKT_FLAG_KEY`).
    public var isKeyframe: Bool
    /// The decoder must decode the packet but drop its output (`AV_PKT_FLAG_DISCARD`,
    /// e.g. AAC priming in MP4).
    public var isDiscard: Bool
    /// Samples to skip at the start/end of the decoded output, if any.
    public var skipSamples: SkipSamples?
    /// The compressed bytes.
    public var data: [UInt8]

    /// Creates a packet.
    public init(
        track: TrackKind, pts: Int64?, dts: Int64?, duration: Int64, isKeyframe: Bool,
        isDiscard: Bool = false, skipSamples: SkipSamples? = nil, data: [UInt8]
    ) {
        self.track = track
        self.pts = pts
        self.dts = dts
        self.duration = duration
        self.isKeyframe = isKeyframe
        self.isDiscard = isDiscard
        self.skipSamples = skipSamples
        self.data = data
    }

    /// The packet's time for cutting and ordering: `pts`, else `dts`.
    public var time: Int64? { pts ?? dts }
}
