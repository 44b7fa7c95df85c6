/// Why the fMP4 writer could not remux a stream header or a fragment (a track FFmpeg's MP4 muxer
/// cannot carry, timestamps it refuses, or no memory).
public struct FMP4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line, e.g. "mp4 muxer refused packet 12 of fragment 3: Invalid argument".
    public let reason: String

    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }

    /// The reason.
    public var description: String { reason }
}
