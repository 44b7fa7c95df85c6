import CFFmpeg

/// Versions of the FFmpeg libraries this build links.
public enum FFmpegVersion {
    /// libavformat's version string, e.g. "59.27.100".
    public static var libavformat: String {
        let v = avformat_version()
        return "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)"
    }
}
