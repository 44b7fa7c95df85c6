/// Decoded audio: interleaved signed 16-bit samples (`channels` values per frame).
public struct PCMBuffer: Sendable, Hashable {
    /// The samples, interleaved (for stereo: L R L R ...).
    public var samples: [Int16]
    /// Channels per frame.
    public var channels: Int
    /// Frames per second.
    public var sampleRate: Int

    /// Creates a buffer.
    public init(samples: [Int16] = [], channels: Int, sampleRate: Int) {
        self.samples = samples
        self.channels = channels
        self.sampleRate = sampleRate
    }

    /// Creates an empty buffer of `format`.
    public init(format: PCMFormat) {
        self.init(channels: format.channels, sampleRate: format.sampleRate)
    }

    /// Number of frames (samples per channel).
    public var frameCount: Int { channels > 0 ? samples.count / channels : 0 }
    /// Duration in seconds.
    public var durationSeconds: Double { sampleRate > 0 ? Double(frameCount) / Double(sampleRate) : 0 }

    /// Appends another buffer's samples (same format).
    public mutating func append(_ other: PCMBuffer) { samples.append(contentsOf: other.samples) }

    /// The samples as little-endian bytes (the `s16le` layout of FFmpeg).
    public var littleEndianBytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: samples.count * 2)
        bytes.withUnsafeMutableBytes { out in
            samples.withUnsafeBytes { input in
                for i in 0..<samples.count {
                    let v = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                    out.storeBytes(of: v.littleEndian, toByteOffset: i * 2, as: UInt16.self)
                }
            }
        }
        return bytes
    }
}
