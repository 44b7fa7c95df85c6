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

    /// Writes `text` as is. Nil when every byte was written, else the `errno` of the failure: most
    /// callers ignore it (a stream that fails loses the text; nothing else to do with it), `raftcast demo`
    /// stops on `EPIPE` (its reader is gone; it ignores SIGPIPE, which would otherwise end the process).
    @discardableResult
    func write(_ text: String) -> Int32? {
        Array(text.utf8).withUnsafeBytes { FileDescriptorWrite.all($0, to: fileDescriptor) }
    }

    /// Writes `text` and a newline; nil, or the `errno` of the failure.
    @discardableResult
    func writeLine(_ text: String) -> Int32? { write(text + "\n") }

    /// Whether this stream and `other` are the same open file (the same pipe, for `cmd 2>&1 | head`).
    func isSameFile(as other: Terminal) -> Bool {
        var mine = stat()
        var theirs = stat()
        guard fstat(fileDescriptor, &mine) == 0, fstat(other.fileDescriptor, &theirs) == 0 else { return false }
        return mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino
    }

    /// Redraws a one-line status in place (interactive streams only), cut to the terminal's width so that
    /// it never wraps onto a second row the next redraw would not clear.
    func redraw(_ status: String) {
        guard isInteractive else { return }
        write("\r\u{1B}[2K" + (columns.map { DemoView.fitted(status, width: $0) } ?? status))
    }
}
