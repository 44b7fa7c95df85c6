/// MPEG audio layer III frame headers, just enough to know how long a frame
/// should be (a last frame shorter than that means the file was cut).
///
///     byte 0      byte 1              byte 2                      byte 3
///     11111111    111 VV LL P         BBBB SS p r                 (mode, ...)
///     sync        sync version layer  bitrate sample-rate padding
enum MPEGAudioFrame {
    private static let mpeg1Bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    private static let mpeg2Bitrates = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]

    /// The length in bytes of the layer III frame whose first four bytes are
    /// `header` (big endian), nil when it is not a valid layer III header.
    static func layer3Length(header: UInt32) -> Int? {
        guard header >> 21 == 0x7ff else { return nil }
        let version = Int(header >> 19) & 3  // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
        let layer = Int(header >> 17) & 3  // 1 = layer III
        let bitrateIndex = Int(header >> 12) & 15
        let rateIndex = Int(header >> 10) & 3
        let padding = Int(header >> 9) & 1
        guard version != 1, layer == 1, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        let rates =
            switch version {
            case 3: [44100, 48000, 32000]
            case 2: [22050, 24000, 16000]
            default: [11025, 12000, 8000]
            }
        let sampleRate = rates[rateIndex]
        if version == 3 {
            return 144_000 * mpeg1Bitrates[bitrateIndex] / sampleRate + padding
        }
        return 72_000 * mpeg2Bitrates[bitrateIndex] / sampleRate + padding
    }
}
