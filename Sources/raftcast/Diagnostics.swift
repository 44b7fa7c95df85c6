import Foundation

/// One-line messages on stderr: `error: <subject>: <reason>` and
/// `warning: <subject>: <message>`.
enum Diagnostics {
    static func error(subject: String, reason: String) {
        write("error: \(subject): \(reason)\n")
    }

    static func warning(subject: String, message: String) {
        write("warning: \(subject): \(message)\n")
    }

    private static func write(_ line: String) {
        FileHandle.standardError.write(Data(line.utf8))
    }
}
