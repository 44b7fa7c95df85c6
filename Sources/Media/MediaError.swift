/// Why a media file cannot be used. `description` is the one-line reason the
/// command line prints as `error: <file>: <reason>`; `file` names the file.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a category callers can switch over.
    public enum Kind: Sendable, Equatable {
        /// The path does not exist.
        case fileNotFound
        /// The path is a directory.
        case isDirectory
        /// The file has no bytes.
        case emptyFile
        /// The file cannot be read (permissions, I/O).
        case unreadable
        /// FFmpeg recognises no media format in it.
        case unrecognisedFormat
        /// A media container other than MP3/MP4/M4A.
        case unsupportedContainer
        /// An MP4 without a usable `moov` box (truncated before it).
        case missingMP4Header
        /// No audio track (e.g. video only).
        case noAudioStream
        /// The audio codec cannot be decoded.
        case unsupportedCodec
        /// An audio track without packets.
        case noAudioData
        /// A timestamp, duration or time base outside `MediaLimits` (a jump, a time going back, a
        /// declared duration longer than the maximum programme length): a damaged or crafted file.
        case invalidTiming
        /// A setting out of range (e.g. the fragment duration).
        case invalidSetting
        /// A runtime failure (out of memory); not the file's fault.
        case decoderFailure
    }

    /// The category of the failure.
    public let kind: Kind
    /// The file the failure is about (path as given).
    public let file: String
    /// The one-line reason, without the file name.
    public let reason: String

    /// Creates an error of `kind` about `file` with a one-line `reason`.
    public init(_ kind: Kind, file: String, reason: String) {
        self.kind = kind
        self.file = file
        self.reason = reason
    }

    /// The one-line reason (what follows `error: <file>: ` on the command line).
    public var description: String { reason }
}
