/// The PCM layout every sink of this module takes: interleaved signed 16-bit little-endian samples
/// (what the Media decoder outputs), at `sampleRate` frames per second, `channels` samples per frame.
///
/// ```
///  frame 0            frame 1            ...
/// +--------+--------+--------+--------+
/// | L s16le| R s16le| L s16le| R s16le|  (stereo: 4 bytes per frame)
/// +--------+--------+--------+--------+
/// ```
public struct AudioFormat: Hashable, Sendable, CustomStringConvertible {
    /// Frames per second, e.g. 48000.
    public var sampleRate: Int
    /// Samples per frame, e.g. 2 for stereo.
    public var channels: Int

    /// A format of `sampleRate` frames per second and `channels` interleaved channels.
    public init(sampleRate: Int, channels: Int) {
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// 48 kHz stereo: the Media decoder's output and the product's default.
    public static let standard = AudioFormat(sampleRate: 48_000, channels: 2)

    /// Bytes in one frame (2 bytes per sample).
    public var bytesPerFrame: Int { 2 * channels }

    /// Whether the values can describe a real stream (1...8 channels, 1 kHz...384 kHz).
    public var isValid: Bool { (1...8).contains(channels) && (1_000...384_000).contains(sampleRate) }

    /// The number of whole frames in `sampleCount` interleaved samples.
    public func frames(inSamples sampleCount: Int) -> Int { sampleCount / channels }

    /// How long `frames` frames last at this rate.
    public func duration(ofFrames frames: Int) -> Duration {
        let seconds = frames / sampleRate
        let rest = frames % sampleRate
        return .seconds(seconds) + .nanoseconds(Int64(rest) * 1_000_000_000 / Int64(sampleRate))
    }

    /// The number of whole frames that fit in `duration` (negative durations give negative counts).
    public func frames(in duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let fraction = Double(attoseconds) / 1e18
        return Int(seconds) * sampleRate + Int((fraction * Double(sampleRate)).rounded(.down))
    }

    /// "48000 Hz, 2 ch, s16le".
    public var description: String { "\(sampleRate) Hz, \(channels) ch, s16le" }
}
