import CALSA

/// ALSA's text for its error codes, and the line ALSA itself logged.
enum ALSAErrorText {
    /// snd_strerror of a negative errno (or ALSA-specific) code, on one line.
    static func describe(_ code: Int32) -> String {
        oneLine(String(cString: snd_strerror(code)))
    }

    /// Sends ALSA's own error log to a per-thread buffer instead of stderr. Idempotent.
    static func captureLibraryMessages() {
        _ = raftcast_alsa_capture_errors()
    }

    /// Forgets the last line ALSA logged on this thread.
    static func clearLastMessage() {
        raftcast_alsa_clear_error_message()
    }

    /// The last line ALSA logged on this thread since ``clearLastMessage()`` ("" if none).
    static func lastMessage() -> String {
        oneLine(String(cString: raftcast_alsa_last_error_message()))
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
