/// A run of consecutive packets, in demux order, cut so that it can be decoded
/// in order after the stream header: with video it begins at a video keyframe;
/// audio-only it begins on an audio packet boundary. Fragments are the unit the
/// cluster replicates.
public struct Fragment: Sendable, Hashable {
    /// Position in the stream, 0-based.
    public var index: Int
    /// The track whose timestamps `startPTS` and `durationPTS` use: video when
    /// the stream has video, else audio.
    public var referenceTrack: TrackKind
    /// The time base of `referenceTrack`.
    public var timeBase: TimeBase
    /// Start time in `timeBase`: the pts of the first keyframe (video) or of the
    /// first audio packet (audio-only).
    public var startPTS: Int64
    /// Duration in `timeBase`: up to the next fragment's start, or to the end of
    /// the last packet for the last fragment.
    public var durationPTS: Int64
    /// The packets, in demux (decode) order.
    public var packets: [MediaPacket]

    /// Creates a fragment.
    public init(
        index: Int, referenceTrack: TrackKind, timeBase: TimeBase, startPTS: Int64, durationPTS: Int64,
        packets: [MediaPacket]
    ) {
        self.index = index
        self.referenceTrack = referenceTrack
        self.timeBase = timeBase
        self.startPTS = startPTS
        self.durationPTS = durationPTS
        self.packets = packets
    }

    /// Start time in seconds.
    public var startSeconds: Double { timeBase.seconds(startPTS) }
    /// Duration in seconds.
    public var durationSeconds: Double { timeBase.seconds(durationPTS) }
    /// Bytes of compressed payload (all packets).
    public var payloadBytes: Int { packets.reduce(0) { $0 + $1.data.count } }
    /// Packets of `track`.
    public func packets(of track: TrackKind) -> [MediaPacket] { packets.filter { $0.track == track } }
    /// Whether the fragment's first video packet is a keyframe (always true for
    /// audio-only fragments, whose every packet is a sync point).
    public var startsWithKeyframe: Bool {
        guard let firstVideo = packets.first(where: { $0.track == .video }) else {
            return referenceTrack == .audio
        }
        return firstVideo.isKeyframe
    }
}
