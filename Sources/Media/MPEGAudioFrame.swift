/// MPEG audio layer III frame headers: how long a frame should be (a last frame
/// shorter than that means the file was cut) and the stream parameters one
/// header gives (what `avformat_find_stream_info` would otherwise decode frames
/// to learn).
///
///     byte 0      byte 1              byte 2                      byte 3
///     11111111    111 VV LL P         BBBB SS p r                 MM ....
///     sync        sync version layer  bitrate sample-rate padding channel mode (3 = mono)
enum MPEGAudioFrame {
    /// What one layer III frame header says about its stream.
    struct Parameters: Equatable {
        /// Samples per second per channel.
        var sampleRate: Int32
        /// 1 (single channel mode) or 2 (stereo, joint stereo, dual channel).
        var channelCount: Int32
        /// Samples per channel in one frame: 1152 (MPEG-1), 576 (MPEG-2 and 2.5).
        var samplesPerFrame: Int32
        /// This frame's bit rate in bit/s.
        var bitRate: Int64
        /// This frame's length in bytes, header included.
        var length: Int
    }

    private static let mpeg1Bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    private static let mpeg2Bitrates = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]

    /// The length in bytes of the layer III frame whose first four bytes are
    /// `header` (big endian), nil when it is not a valid layer III header.
    static func layer3Length(header: UInt32) -> Int? {
        parameters(header: header)?.length
    }

    /// The parameters of the layer III frame whose first four bytes are `header`
    /// (big endian), nil when it is not a valid layer III header (free-format
    /// frames, whose bit rate is not in the header, included).
    static func parameters(header: UInt32) -> Parameters? {
        guard header >> 21 == 0x7ff else { return nil }
        let version = Int(header >> 19) & 3  // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
        let layer = Int(header >> 17) & 3  // 1 = layer III
        let bitrateIndex = Int(header >> 12) & 15
        let rateIndex = Int(header >> 10) & 3
        let padding = Int(header >> 9) & 1
        let mode = Int(header >> 6) & 3
        guard version != 1, layer == 1, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        let rates =
            switch version {
            case 3: [44100, 48000, 32000]
            case 2: [22050, 24000, 16000]
            default: [11025, 12000, 8000]
            }
        let sampleRate = rates[rateIndex]
        let kbps = version == 3 ? mpeg1Bitrates[bitrateIndex] : mpeg2Bitrates[bitrateIndex]
        let length = (version == 3 ? 144_000 : 72_000) * kbps / sampleRate + padding
        return Parameters(
            sampleRate: Int32(sampleRate), channelCount: mode == 3 ? 1 : 2,
            samplesPerFrame: version == 3 ? 1152 : 576, bitRate: Int64(kbps) * 1000, length: length)
    }
}
