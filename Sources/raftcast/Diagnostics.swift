/// One-line messages on stderr, the only place the CLI writes them:
/// `error: <subject>: <reason>` and `warning: <subject>: <message>`.
enum Diagnostics {
    static func error(subject: String, reason: String) {
        Terminal.standardError.writeLine("error: \(subject): \(reason)")
    }

    static func warning(subject: String, message: String) {
        Terminal.standardError.writeLine("warning: \(subject): \(message)")
    }
}
