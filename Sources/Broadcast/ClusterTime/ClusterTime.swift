/// A point on the cluster timeline: nanoseconds since the timeline's epoch.
///
/// The cluster timeline is the clock every node plays against (docs/playback-sync.md). It is kept apart
/// from local monotonic time (a `Duration` since a machine's own epoch, see `MonotonicClock`) by its
/// type, so the two cannot be mixed up: ``ClusterClock`` converts between them.
/// Encoded as a bare integer of nanoseconds.
public struct ClusterTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Nanoseconds since the timeline's epoch.
    public var nanoseconds: Int64

    /// The instant `nanoseconds` after the epoch.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The epoch itself.
    public static let zero = ClusterTime(nanoseconds: 0)

    /// Decodes a bare integer of nanoseconds.
    public init(from decoder: any Decoder) throws {
        nanoseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes a bare integer of nanoseconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(nanoseconds)
    }

    /// Orders instants on the timeline.
    public static func < (lhs: ClusterTime, rhs: ClusterTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant `interval` later (truncated to whole nanoseconds; clamped to the ends of the timeline
    /// instead of overflowing, so times derived from replicated entries never trap).
    public static func + (lhs: ClusterTime, rhs: Duration) -> ClusterTime {
        ClusterTime(nanoseconds: lhs.nanoseconds.saturatingAdding(rhs.wholeNanoseconds))
    }

    /// The instant `interval` earlier (truncated to whole nanoseconds; clamped like `+`).
    public static func - (lhs: ClusterTime, rhs: Duration) -> ClusterTime {
        ClusterTime(nanoseconds: lhs.nanoseconds.saturatingSubtracting(rhs.wholeNanoseconds))
    }

    /// The interval between two instants (positive when `lhs` is later); exact for any two instants.
    public static func - (lhs: ClusterTime, rhs: ClusterTime) -> Duration {
        .nanoseconds(exactly: Int128(lhs.nanoseconds) - Int128(rhs.nanoseconds))
    }

    /// Seconds with nanosecond digits, e.g. `12.000020833s`.
    public var description: String {
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        let fraction = String(magnitude % 1_000_000_000)
        return "\(sign)\(magnitude / 1_000_000_000).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)s"
    }
}
