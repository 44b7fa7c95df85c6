import CFFmpeg

/// Why a decoder could not be set up for a track.
struct CodecFailure: Error {
    /// One line, e.g. "audio codec 'none' (tag 'xxxx') cannot be decoded".
    let reason: String
}

/// Owns an opened `AVCodecContext` for decoding one track.
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    /// The decoder FFmpeg has for `track`, after checking that the audio
    /// parameters a decoder needs are there. Cheap: opens nothing.
    static func decoder(for track: TrackInfo) throws(CodecFailure) -> UnsafePointer<AVCodec> {
        let id = AVCodecID(rawValue: UInt32(bitPattern: track.codecID))
        guard id != AV_CODEC_ID_NONE, let codec = avcodec_find_decoder(id) else {
            throw CodecFailure(reason: "\(track.kind) codec \(Self.describe(track)) cannot be decoded")
        }
        if track.kind == .audio && (track.sampleRate <= 0 || track.channelCount <= 0) {
            throw CodecFailure(
                reason: "audio codec \(Self.describe(track)) cannot be decoded "
                    + "(\(track.sampleRate) Hz, \(track.channelCount) channels)")
        }
        return codec
    }

    /// Creates and opens a decoder from the track's codec parameters.
    init(track: TrackInfo) throws(CodecFailure) {
        FFmpegLog.silence()
        let codec = try Self.decoder(for: track)
        guard let ctx = avcodec_alloc_context3(codec) else { throw CodecFailure(reason: "out of memory") }
        var owned: UnsafeMutablePointer<AVCodecContext>? = ctx
        guard let par = avcodec_parameters_alloc() else {
            avcodec_free_context(&owned)
            throw CodecFailure(reason: "out of memory")
        }
        var parameters: UnsafeMutablePointer<AVCodecParameters>? = par
        defer { avcodec_parameters_free(&parameters) }
        track.fill(par)
        var status = avcodec_parameters_to_context(ctx, par)
        if status >= 0 {
            ctx.pointee.pkt_timebase = AVRational(num: track.timeBase.numerator, den: track.timeBase.denominator)
            status = avcodec_open2(ctx, codec, nil)
        }
        guard status >= 0 else {
            avcodec_free_context(&owned)
            throw CodecFailure(
                reason: "\(track.kind) codec \(Self.describe(track)) cannot be decoded (\(FFmpegLog.message(status)))")
        }
        pointer = ctx
    }

    deinit {
        var owned: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&owned)
    }

    /// "'aac'" or, for an unknown codec, "'none' (tag 'xxxx')".
    private static func describe(_ track: TrackInfo) -> String {
        guard track.codecTag != 0 else { return "'\(track.codecName)'" }
        let tagBytes = (0..<4).map { UInt8(truncatingIfNeeded: track.codecTag >> (8 * UInt32($0))) }
        let printable = tagBytes.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
        let tag = printable ? String(decoding: tagBytes, as: UTF8.self) : String(track.codecTag, radix: 16)
        return "'\(track.codecName)' (tag '\(tag)')"
    }
}
