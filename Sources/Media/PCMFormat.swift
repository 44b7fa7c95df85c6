/// The fixed output format of `AudioDecoder`: interleaved signed 16-bit
/// samples at `sampleRate` with `channels` channels.
public struct PCMFormat: Sendable, Hashable {
    /// Frames per second, e.g. 48000.
    public var sampleRate: Int
    /// Channels, interleaved (2 = stereo, FL FR).
    public var channels: Int

    /// Creates an output format.
    public init(sampleRate: Int, channels: Int) {
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// 48 kHz stereo, what the cluster plays.
    public static let standard = PCMFormat(sampleRate: 48000, channels: 2)
}
