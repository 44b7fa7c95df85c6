/// Decides, packet by packet in demux order, where fragments begin. A value-type
/// state machine with no I/O: feed it each packet, act on the decision.
///
/// - With video: a fragment begins at the first video keyframe whose pts is at
///   least `target` after the current fragment's start; audio packets never cut.
///   Video packets before the first keyframe cannot be decoded and are dropped.
///   A video track without keyframes for `limit` (the larger of 30 s and four
///   targets) is cut at the next video packet anyway, so that a broken file
///   cannot grow one fragment without bound; such a fragment does not start
///   with a keyframe (`Fragment.startsWithKeyframe` is false).
/// - Audio-only: a fragment begins before the audio packet whose start is the
///   packet boundary nearest to `target` after the current fragment's start,
///   i.e. when `time - start >= target - duration / 2`.
///
/// Packet times reach it checked against `MediaLimits` (`PacketTimeline`); its own arithmetic saturates
/// all the same, so that no timestamp, however absurd, can trap it: a time far ahead cuts, a time far
/// back appends.
struct FragmentCutter: Sendable {
    /// What to do with a packet.
    enum Decision: Equatable {
        /// Add it to the current fragment.
        case append
        /// Close the current fragment; the packet starts a new one at `start`.
        case cut(start: Int64)
        /// Drop it (video before the first keyframe).
        case drop
    }

    /// The track fragments are cut and timed by.
    let reference: TrackKind
    /// Target fragment duration in ticks of the reference track's time base.
    let target: Int64
    /// Slack for rounding (1 ms), in the same ticks.
    let tolerance: Int64
    /// Longest fragment before a video cut is forced without a keyframe, in ticks.
    let limit: Int64
    /// Start of the current fragment, nil before the first reference point.
    private(set) var start: Int64?

    init(reference: TrackKind, targetSeconds: Double, timeBase: TimeBase) {
        self.reference = reference
        self.target = max(1, timeBase.ticks(seconds: targetSeconds))
        self.tolerance = timeBase.ticks(seconds: 0.001)
        self.limit = timeBase.ticks(seconds: max(30, 4 * targetSeconds))
    }

    mutating func decide(_ packet: MediaPacket) -> Decision {
        guard packet.track == reference else { return .append }
        guard let time = packet.time else { return reference == .video && start == nil ? .drop : .append }
        switch reference {
        case .video:
            guard let current = start else {
                guard packet.isKeyframe else { return .drop }
                start = time
                return .append
            }
            let elapsed = time.saturatingSubtracting(current)
            guard packet.isKeyframe else {
                guard elapsed >= limit else { return .append }
                start = time
                return .cut(start: time)
            }
            guard elapsed >= target.saturatingSubtracting(tolerance) else { return .append }
            start = time
            return .cut(start: time)
        case .audio:
            guard let current = start else {
                start = time
                return .append
            }
            let twiceElapsed = time.saturatingSubtracting(current).saturatingMultiplied(by: 2)
            let threshold = target.saturatingMultiplied(by: 2).saturatingSubtracting(max(packet.duration, 0))
            guard twiceElapsed >= threshold else { return .append }
            start = time
            return .cut(start: time)
        }
    }
}
