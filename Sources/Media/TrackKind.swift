/// Which of a stream's (at most two) tracks a packet belongs to.
public enum TrackKind: UInt8, Sendable, Hashable, Codable {
    /// The audio track (always present).
    case audio = 0
    /// The video track (optional).
    case video = 1
}
