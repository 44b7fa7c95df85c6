import Demo
import SystemIO

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

    /// The terminal's width in columns (TIOCGWINSZ), asked anew each time (the window may be resized);
    /// nil for pipes and files, or a terminal that does not say.
    var columns: Int? {
        var size = winsize()
        guard ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Writes `text` as is.
    func write(_ text: String) {
        // A terminal or pipe that fails (closed, full) loses the text: nothing else to do with it.
        _ = Array(text.utf8).withUnsafeBytes { FileDescriptorWrite.all($0, to: fileDescriptor) }
    }

    /// Writes `text` and a newline.
    func writeLine(_ text: String) { write(text + "\n") }

    /// Redraws a one-line status in place (interactive streams only), cut to the terminal's width so that
    /// it never wraps onto a second row the next redraw would not clear.
    func redraw(_ status: String) {
        guard isInteractive else { return }
        write("\r\u{1B}[2K" + (columns.map { DemoView.fitted(status, width: $0) } ?? status))
    }
}
