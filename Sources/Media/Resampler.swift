import CFFmpeg

/// Owns one `SwrContext` converting decoded frames of one input format to
/// interleaved s16 at the output format.
final class Resampler {
    private var context: OpaquePointer?
    let inputRate: Int32
    let inputFormat: Int32
    let inputLayout: AVChannelLayout
    let output: PCMFormat
    private var scratch: [Int16] = []

    init?(frame: UnsafePointer<AVFrame>, output: PCMFormat) {
        var outLayout = AVChannelLayout()
        av_channel_layout_default(&outLayout, Int32(output.channels))
        defer { av_channel_layout_uninit(&outLayout) }
        var layout = frame.pointee.ch_layout
        var ctx: OpaquePointer?
        let status = swr_alloc_set_opts2(
            &ctx, &outLayout, AV_SAMPLE_FMT_S16, Int32(output.sampleRate), &layout,
            AVSampleFormat(rawValue: frame.pointee.format), frame.pointee.sample_rate, 0, nil)
        guard status >= 0, ctx != nil, swr_init(ctx) >= 0 else {
            swr_free(&ctx)
            return nil
        }
        context = ctx
        inputRate = frame.pointee.sample_rate
        inputFormat = frame.pointee.format
        inputLayout = frame.pointee.ch_layout
        self.output = output
    }

    deinit { swr_free(&context) }

    /// Whether `frame` has the format this resampler was made for.
    func accepts(_ frame: UnsafePointer<AVFrame>) -> Bool {
        var a = frame.pointee.ch_layout
        var b = inputLayout
        return frame.pointee.sample_rate == inputRate && frame.pointee.format == inputFormat
            && av_channel_layout_compare(&a, &b) == 0
    }

    /// Converts `count` samples of `frame` starting at sample `offset`, handing
    /// the interleaved output to `sink`.
    func convert(_ frame: UnsafePointer<AVFrame>, offset: Int, count: Int, sink: (UnsafeBufferPointer<Int16>) -> Void) {
        let channels = Int(frame.pointee.ch_layout.nb_channels)
        let bytesPerSample = Int(av_get_bytes_per_sample(AVSampleFormat(rawValue: frame.pointee.format)))
        let planar = av_sample_fmt_is_planar(AVSampleFormat(rawValue: frame.pointee.format)) != 0
        let planes = planar ? channels : 1
        let step = planar ? bytesPerSample * offset : bytesPerSample * channels * offset
        var inputs = [UnsafePointer<UInt8>?](repeating: nil, count: planes)
        for p in 0..<planes {
            inputs[p] = frame.pointee.extended_data[p].map { UnsafePointer($0 + step) }
        }
        inputs.withUnsafeMutableBufferPointer { run(inputs: $0.baseAddress, count: count, sink: sink) }
    }

    /// Drains what the resampler still holds (end of stream).
    func flush(sink: (UnsafeBufferPointer<Int16>) -> Void) {
        run(inputs: nil, count: 0, sink: sink)
    }

    private func run(
        inputs: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int, sink: (UnsafeBufferPointer<Int16>) -> Void
    ) {
        var pending = count
        var inputPointer = inputs
        // Bounded: each round either consumes the input or drains buffered output.
        for _ in 0..<64 {
            let capacity = max(Int(swr_get_out_samples(context, Int32(pending))), 0) + 64
            if scratch.count < capacity * output.channels {
                scratch = [Int16](repeating: 0, count: capacity * output.channels)
            }
            let produced = scratch.withUnsafeMutableBytes { raw -> Int32 in
                var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
                return swr_convert(context, &out, Int32(capacity), inputPointer, Int32(pending))
            }
            guard produced > 0 else { return }
            scratch.withUnsafeBufferPointer {
                sink(UnsafeBufferPointer(rebasing: $0[0..<(Int(produced) * output.channels)]))
            }
            pending = 0
            inputPointer = nil
            if inputs != nil { return }
        }
    }
}
