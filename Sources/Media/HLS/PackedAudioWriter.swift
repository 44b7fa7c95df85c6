/// HLS packed audio (RFC 8216 3.4) of an audio-only MP3 stream: each segment is an ID3v2.4 tag holding
/// the segment's first timestamp, followed by the fragment's MPEG audio frames byte for byte.
///
/// Layout of the tag (`segment(_:)`), 73 bytes:
/// - `ID3` 0x04 0x00 (version 2.4), flags 0, size 63 (the frame with its header; syncsafe, and every size
///   here is below 128)
/// - frame `PRIV`, size 53, flags 0: owner `com.apple.streaming.transportStreamTimestamp` + NUL, then
///   the timestamp as 8 bytes big-endian: a 33-bit count of a 90 kHz clock (MPEG-TS's), the first
///   packet's pts plus `FMP4Layout.decodeTimeOffsetSeconds` (the same shift as the fMP4 segments).
/// A pure function of the stream header and the fragment: the same bytes on every node.
public struct PackedAudioWriter: Sendable {
    /// The owner identifier Apple's HLS specification gives the timestamp.
    static let timestampOwner = Array("com.apple.streaming.transportStreamTimestamp".utf8) + [0]
    /// The clock of the timestamp: 90 kHz.
    static let clockRate: Int64 = 90_000

    /// The stream's tracks (audio only).
    public let header: StreamHeader

    /// A writer for `header`, nil unless it is an audio-only MP3 stream.
    public init?(header: StreamHeader) {
        guard HLSSegmentFormat(header: header) == .packedMP3 else { return nil }
        self.header = header
    }

    /// The segment of `fragment`.
    public func segment(_ fragment: Fragment) throws(FMP4Error) -> [UInt8] {
        guard let first = fragment.packets.first(where: { $0.track == .audio })?.time else {
            throw FMP4Error("fragment \(fragment.index) has no timed audio packet")
        }
        let timeBase = header.audio.timeBase
        guard timeBase.numerator > 0, timeBase.denominator > 0 else {
            throw FMP4Error("audio time base \(timeBase) is not usable")
        }
        let offset = timeBase.ticks(seconds: Double(FMP4Layout.decodeTimeOffsetSeconds))
        let (ticks, overflow) = first.addingReportingOverflow(offset)
        guard !overflow, ticks >= 0 else { throw FMP4Error("fragment \(fragment.index) starts at an unusable time") }
        // ticks × num × 90000 / den (rounded down), truncated to 33 bits as MPEG-TS clocks wrap.
        let (product, tooLate) = ticks.multipliedReportingOverflow(by: Int64(timeBase.numerator) * Self.clockRate)
        guard !tooLate else { throw FMP4Error("fragment \(fragment.index) starts too late for a 90 kHz timestamp") }
        let timestamp = (product / Int64(timeBase.denominator)) & ((1 << 33) - 1)

        var bytes: [UInt8] = Array("ID3".utf8) + [4, 0, 0]
        let frameSize = Self.timestampOwner.count + 8
        bytes += Self.syncsafe(10 + frameSize)
        bytes += Array("PRIV".utf8) + Self.syncsafe(frameSize) + [0, 0]
        bytes += Self.timestampOwner
        bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: timestamp >> (8 * $0)) }
        for packet in fragment.packets where packet.track == .audio { bytes += packet.data }
        return bytes
    }

    /// `value` as an ID3v2.4 syncsafe integer (7 bits a byte, big-endian).
    static func syncsafe(_ value: Int) -> [UInt8] {
        (0..<4).reversed().map { UInt8((value >> (7 * $0)) & 0x7F) }
    }
}
