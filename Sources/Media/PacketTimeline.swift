/// Checks one track's packets, in demux order, against `MediaLimits` before anything computes with their
/// times. A value-type state machine with no I/O: `check(_:)` each packet as it is read; a non-nil
/// answer is the one-line reason the file is refused.
///
/// What it holds a packet to (times in the track's time base, limits converted from seconds):
/// - pts and dts, when present, lie in −`leadInSeconds` … `maximumProgrammeSeconds`;
/// - the duration is 0 … `maximumPacketSeconds` (0: unknown);
/// - pts and dts are at most `maximumReorderSeconds` apart;
/// - decode times (dts, else pts) never go back: equal decode times are tolerated (a packet FFmpeg could
///   not time more finely), any decrease is refused;
/// - a packet starts at most `maximumGapSeconds` after the end (decode time + duration) of the
///   previous timed packet of its track.
/// Packets without any timestamp are not timed and pass (nothing computes with their time).
struct PacketTimeline: Sendable {
    /// The track checked.
    let track: TrackKind
    /// The track's time base.
    let timeBase: TimeBase
    private let range: ClosedRange<Int64>
    private let maximumDuration: Int64
    private let maximumGap: Int64
    private let maximumReorder: Int64
    /// Decode time and end (decode time + duration) of the last timed packet.
    private(set) var last: (decodeTime: Int64, end: Int64)?

    /// A timeline for `track` in `timeBase`; nil when the time base is not a positive fraction.
    init?(track: TrackKind, timeBase: TimeBase) {
        guard let range = MediaLimits.timestampRange(in: timeBase),
            let duration = MediaLimits.ticks(seconds: MediaLimits.maximumPacketSeconds, in: timeBase),
            let gap = MediaLimits.ticks(seconds: MediaLimits.maximumGapSeconds, in: timeBase),
            let reorder = MediaLimits.ticks(seconds: MediaLimits.maximumReorderSeconds, in: timeBase)
        else { return nil }
        self.track = track
        self.timeBase = timeBase
        self.range = range
        self.maximumDuration = duration
        self.maximumGap = gap
        self.maximumReorder = reorder
    }

    /// Records `packet` and returns nil when it keeps the bounds; otherwise returns why not (and records
    /// nothing).
    mutating func check(_ packet: MediaPacket) -> String? {
        guard packet.duration >= 0, packet.duration <= maximumDuration else {
            return "\(track) packet declares a duration of \(describe(packet.duration)) "
                + "(0 … \(MediaLimits.maximumPacketSeconds) s allowed)"
        }
        for time in [packet.pts, packet.dts].compactMap({ $0 }) where !range.contains(time) {
            return "\(track) timestamp \(describe(time)) outside −\(MediaLimits.leadInSeconds) s … "
                + "\(MediaLimits.programmeLimitText) (the maximum programme length)"
        }
        // Both lie in `range` now: their differences and sums below fit in Int64.
        if let pts = packet.pts, let dts = packet.dts, abs(pts - dts) > maximumReorder {
            return "\(track) packet presented \(describe(pts)) but decoded \(describe(dts)) "
                + "(more than \(MediaLimits.maximumReorderSeconds) s apart)"
        }
        guard let decodeTime = packet.dts ?? packet.pts else { return nil }
        if let last {
            guard decodeTime >= last.decodeTime else {
                return "\(track) decode times go back from \(describe(last.decodeTime)) to \(describe(decodeTime))"
            }
            guard decodeTime - last.end <= maximumGap else {
                return "\(track) timestamps jump from \(describe(last.decodeTime)) to \(describe(decodeTime)) "
                    + "(more than \(MediaLimits.maximumGapSeconds) s beyond the previous packet's end)"
            }
        }
        last = (decodeTime, decodeTime + packet.duration)
        return nil
    }

    private func describe(_ ticks: Int64) -> String { MediaLimits.describe(ticks, in: timeBase) }
}
