/// Why a play log could not be written or read; `description` is one line naming the file.
public enum PlayLogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be opened.
    case cannotOpen(path: String, reason: String)
    /// A record could not be written.
    case cannotWrite(path: String, reason: String)
    /// The file could not be read.
    case cannotRead(path: String, reason: String)
    /// A line is not a play-log record.
    case badLine(path: String, line: Int, reason: String)

    /// `<path>: <reason>` (with the line number for a bad line).
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open the play log: \(reason)"
        case .cannotWrite(let path, let reason): "\(path): cannot write the play log: \(reason)"
        case .cannotRead(let path, let reason): "\(path): cannot read the play log: \(reason)"
        case .badLine(let path, let line, let reason): "\(path):\(line): not a play-log record: \(reason)"
        }
    }
}
