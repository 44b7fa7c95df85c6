#if canImport(Glibc)
import Glibc
#endif

/// A standard stream of the process, and whether a person is watching it.
struct Terminal {
    let fileDescriptor: Int32

    static let standardOutput = Terminal(fileDescriptor: 1)
    static let standardError = Terminal(fileDescriptor: 2)

    /// True when the stream is a terminal (progress is redrawn in place), false for pipes and files.
    var isInteractive: Bool { isatty(fileDescriptor) == 1 }

    /// Writes `text` as is.
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fileDescriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }

    /// Writes `text` and a newline.
    func writeLine(_ text: String) { write(text + "\n") }

    /// Redraws a one-line status in place (interactive streams only).
    func redraw(_ status: String) {
        guard isInteractive else { return }
        write("\r\u{1B}[2K" + status)
    }
}
