/// FFmpeg's `AV_PKT_DATA_SKIP_SAMPLES` side data: how many decoded samples to
/// drop at the start and end of a packet (encoder delay and padding, which
/// gapless playback depends on).
///
///     byte 0..3  u32 LE  samples to skip at the start
///     byte 4..7  u32 LE  samples to discard at the end
///     byte 8     u8      reason for the start skip
///     byte 9     u8      reason for the end discard
public struct SkipSamples: Sendable, Hashable {
    /// Samples to drop at the start of the decoded packet.
    public var start: UInt32
    /// Samples to drop at the end of the decoded packet.
    public var end: UInt32
    /// FFmpeg's reason code for `start`.
    public var startReason: UInt8
    /// FFmpeg's reason code for `end`.
    public var endReason: UInt8

    /// Size of the side data FFmpeg attaches to a packet.
    static let sideDataSize = 10

    /// Creates skip-samples side data.
    public init(start: UInt32, end: UInt32, startReason: UInt8 = 0, endReason: UInt8 = 0) {
        self.start = start
        self.end = end
        self.startReason = startReason
        self.endReason = endReason
    }

    /// Parses FFmpeg's 10-byte side data; nil when it is too short.
    init?(sideData: UnsafeBufferPointer<UInt8>) {
        guard sideData.count >= Self.sideDataSize else { return nil }
        func u32(_ at: Int) -> UInt32 {
            UInt32(sideData[at]) | UInt32(sideData[at + 1]) << 8 | UInt32(sideData[at + 2]) << 16
                | UInt32(sideData[at + 3]) << 24
        }
        self.init(start: u32(0), end: u32(4), startReason: sideData[8], endReason: sideData[9])
    }

    /// Writes FFmpeg's 10-byte side data into `out` (which holds `sideDataSize` bytes).
    func write(to out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<4 {
            out[i] = UInt8(truncatingIfNeeded: start >> (8 * UInt32(i)))
            out[4 + i] = UInt8(truncatingIfNeeded: end >> (8 * UInt32(i)))
        }
        out[8] = startReason
        out[9] = endReason
    }
}
