/// Something wrong with a media file that does not stop it from being used:
/// a corrupt packet that was skipped, a file that ends before its header says.
public struct MediaWarning: Sendable, Equatable, CustomStringConvertible {
    /// The file the warning is about.
    public let file: String
    /// One line saying what happened.
    public let message: String

    /// Creates a warning about `file`.
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    /// The one-line message (what follows `warning: <file>: ` on the command line).
    public var description: String { message }

    /// How every warning about a file that stops before its declared end begins.
    public static let truncationPrefix = "ends early"

    /// The file stops before its declared end (a cut-short download or upload).
    public var isTruncation: Bool { message.hasPrefix(Self.truncationPrefix) }
}
