/// The 44-byte header of a canonical PCM WAVE file, as ``WAVFileSink`` writes it.
///
/// ```
/// offset size  field            value
///      0    4  "RIFF"
///      4    4  riff size        36 + data size            (u32 LE, fixed up on close)
///      8    4  "WAVE"
///     12    4  "fmt "
///     16    4  fmt size         16                        (u32 LE)
///     20    2  format tag       1 = PCM                   (u16 LE)
///     22    2  channels                                   (u16 LE)
///     24    4  sample rate                                (u32 LE)
///     28    4  byte rate        rate * channels * 2       (u32 LE)
///     32    2  block align      channels * 2              (u16 LE)
///     34    2  bits per sample  16                        (u16 LE)
///     36    4  "data"
///     40    4  data size        bytes of samples          (u32 LE, fixed up on close)
///     44       samples, interleaved s16le
/// ```
struct WAVHeader: Hashable, Sendable {
    /// Bytes in the header; samples start here.
    static let size = 44
    /// Largest data size the 32-bit size fields can describe.
    static let maximumDataSize = Int(UInt32.max) - (size - 8)

    /// The PCM layout described.
    var format: AudioFormat
    /// Bytes of samples after the header.
    var dataSize: Int

    /// The header's bytes.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.size)
        func tag(_ text: String) { out += Array(text.utf8) }
        func u32(_ value: Int) { out += withUnsafeBytes(of: UInt32(clamping: value).littleEndian, Array.init) }
        func u16(_ value: Int) { out += withUnsafeBytes(of: UInt16(clamping: value).littleEndian, Array.init) }
        tag("RIFF"); u32(36 + dataSize); tag("WAVE")
        tag("fmt "); u32(16); u16(1); u16(format.channels); u32(format.sampleRate)
        u32(format.sampleRate * format.bytesPerFrame); u16(format.bytesPerFrame); u16(16)
        tag("data"); u32(dataSize)
        return out
    }
}
