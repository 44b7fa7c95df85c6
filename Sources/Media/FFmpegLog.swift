import CFFmpeg

/// FFmpeg's own logging: quiet by default so stderr only carries raftcast's
/// one-line errors and warnings.
public enum FFmpegLog {
    /// Silences FFmpeg's logging (`AV_LOG_QUIET`). Called by `MediaSource` and
    /// `AudioDecoder`; idempotent.
    public static func silence() { av_log_set_level(AV_LOG_QUIET) }

    /// Lets FFmpeg log warnings and errors to stderr again (for debugging).
    public static func enableWarnings() { av_log_set_level(AV_LOG_WARNING) }

    /// FFmpeg's message for an error code.
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
