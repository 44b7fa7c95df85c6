/// Why a media file cannot be used. `description` is the one-line reason the
/// command line prints as `error: <file>: <reason>`; `file` names the file.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a category callers can switch over.
    public enum Kind: Sendable, Equatable {
        case fileNotFound
        case isDirectory
        case emptyFile
        case unreadable
        case unrecognisedFormat
        case unsupportedContainer
        case missingMP4Header
        case noAudioStream
        case unsupportedCodec
        case noAudioData
        case invalidSetting
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
