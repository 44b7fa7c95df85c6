import Media

/// The bounds every committed stream start and fragment is held to when the catalogue applies it
/// (docs/catalogue.md, "Limits and failed streams"). They keep every time the playback engine derives
/// from an entry far inside 64-bit arithmetic, and they are the replicated twin of Media's checks at the
/// edge: a file that passes the edge passes here, so they must be at least as wide as Media's.
///
/// Times are compared in exact integer nanoseconds (`ticks × num × 10⁹ / den`, floored, in 128 bits), so the
/// verdict is a pure function of the entry and the stream's earlier fragments: every node reaches the same.
///
/// ```
///  track start ──┐  fragment k−1            fragment k
///                ▼  [start ······· end)  gap  [start ······· end)
///                   ≤ jump from the track start (k = 0)     ≤ jump after fragment k−1's end, and never
///                                                            before fragment k−1's start (monotone)
///  every packet of fragment k: time within [start − jump, end + jump], duration 0 … fragment limit
///  every time of the stream: within ± stream limit of 0
/// ```
public enum CatalogueLimits {
    /// Largest gap between a fragment's start and the end of the fragment before it (for fragment 0: the
    /// reference track's start), and how far a packet may lie outside its fragment, in seconds.
    public static let maximumJumpSeconds: Int64 = 60
    /// Longest fragment, and longest packet, in seconds.
    public static let maximumFragmentSeconds: Int64 = 600
    /// Every time of a stream (track starts, fragment starts and ends, packet times) lies within this many
    /// seconds of 0 (30 days).
    public static let maximumStreamSeconds: Int64 = 30 * 86_400
    /// A stream's start on the cluster timeline lies in `0 … this` nanoseconds (2⁶², about 146 years; cluster
    /// time counts from the first leader's boot).
    public static let maximumStartClusterNanoseconds: Int64 = 1 << 62
    /// Highest audio sample rate, in Hz.
    public static let maximumSampleRate: Int32 = 768_000

    private static let nanosecondsPerSecond: Int128 = 1_000_000_000

    /// `ticks` of `timeBase` in nanoseconds (floored); nil when the time base is not positive.
    public static func nanoseconds(_ ticks: Int64, _ timeBase: TimeBase) -> Int128? {
        guard timeBase.numerator > 0, timeBase.denominator > 0 else { return nil }
        return floorDivMod(
            Int128(ticks) * Int128(timeBase.numerator) * nanosecondsPerSecond, Int128(timeBase.denominator)
        ).quotient
    }

    /// Why a stream start cannot be played, or nil when it is within bounds.
    public static func violation(start: CatalogueStreamStart, header: StreamHeader) -> String? {
        let startTime = start.startClusterTime.nanoseconds
        guard startTime >= 0, startTime <= maximumStartClusterNanoseconds else {
            return "start cluster time \(start.startClusterTime) outside 0 … 2^62 ns"
        }
        guard header.audio.sampleRate > 0, header.audio.sampleRate <= maximumSampleRate else {
            return "audio sample rate \(header.audio.sampleRate) Hz outside 1 … \(maximumSampleRate)"
        }
        for track in [header.audio] + (header.video.map { [$0] } ?? []) {
            guard let trackStart = nanoseconds(track.startPTS, track.timeBase) else {
                return "\(track.kind) time base \(track.timeBase) is not positive"
            }
            if let reason = outsideStream(trackStart, "\(track.kind) track start") { return reason }
        }
        return nil
    }

    /// Why fragment `fragment` of a stream with `header` cannot follow `previous` (the stream's fragment
    /// before it), or nil when it is within bounds. Without `previous`, fragment 0 is held to the track's
    /// start and a later fragment only to the bounds that need no neighbour (a player that joined late).
    public static func violation(
        of fragment: Fragment, header: StreamHeader, previous: CatalogueFragment?
    ) -> String? {
        let reference = header.referenceTrack
        guard let start = nanoseconds(fragment.startPTS, fragment.timeBase),
            let duration = nanoseconds(fragment.durationPTS, fragment.timeBase),
            let trackStart = nanoseconds(reference.startPTS, reference.timeBase)
        else { return "time base \(fragment.timeBase) is not positive" }
        if let reason = outsideStream(start, "start") { return reason }
        guard duration >= 0, duration <= Int128(maximumFragmentSeconds) * nanosecondsPerSecond else {
            return "duration \(seconds(duration)) outside 0 … \(maximumFragmentSeconds) s"
        }
        let end = start + duration
        let jump = Int128(maximumJumpSeconds) * nanosecondsPerSecond
        if let previous {
            guard let previousStart = nanoseconds(previous.startPTS, previous.timeBase),
                let previousDuration = nanoseconds(previous.durationPTS, previous.timeBase)
            else { return "fragment \(previous.index) has a time base that is not positive" }
            let previousEnd = previousStart + previousDuration
            guard start >= previousStart else {
                return "starts at \(seconds(start)), before fragment \(previous.index) (\(seconds(previousStart)))"
            }
            guard start - previousEnd <= jump else {
                return "starts \(seconds(start - previousEnd)) after fragment \(previous.index) ends "
                    + "(limit \(maximumJumpSeconds) s)"
            }
        } else if fragment.index == 0 {
            guard (start - trackStart).magnitude <= jump.magnitude else {
                return "starts \(seconds(start - trackStart)) from the track's start (limit \(maximumJumpSeconds) s)"
            }
        }
        let fragmentLimit = Int128(maximumFragmentSeconds) * nanosecondsPerSecond
        for (position, packet) in fragment.packets.enumerated() {
            guard let track = packet.track == .audio ? header.audio : header.video else { continue }
            for (name, ticks) in [("time", packet.pts), ("decoding time", packet.dts)] {
                guard let ticks else { continue }
                guard let time = nanoseconds(ticks, track.timeBase) else {
                    return "\(track.kind) time base \(track.timeBase) is not positive"
                }
                guard time >= start - jump, time <= end + jump else {
                    return "packet \(position) (\(track.kind)) \(name) \(seconds(time)) lies outside the fragment "
                        + "[\(seconds(start)), \(seconds(end))) by more than \(maximumJumpSeconds) s"
                }
            }
            guard let packetDuration = nanoseconds(packet.duration, track.timeBase),
                packetDuration >= 0, packetDuration <= fragmentLimit
            else {
                return "packet \(position) (\(track.kind)) duration \(packet.duration) ticks of \(track.timeBase) "
                    + "outside 0 … \(maximumFragmentSeconds) s"
            }
        }
        return nil
    }

    private static func outsideStream(_ time: Int128, _ what: String) -> String? {
        guard time.magnitude <= UInt128(maximumStreamSeconds) * UInt128(nanosecondsPerSecond) else {
            return "\(what) \(seconds(time)) beyond ±\(maximumStreamSeconds) s"
        }
        return nil
    }

    /// Nanoseconds as seconds with millisecond digits, e.g. `6000000000.000 s`.
    static func seconds(_ nanoseconds: Int128) -> String {
        let sign = nanoseconds < 0 ? "-" : ""
        let milliseconds = nanoseconds.magnitude / 1_000_000
        let fraction = String(milliseconds % 1000)
        return "\(sign)\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
