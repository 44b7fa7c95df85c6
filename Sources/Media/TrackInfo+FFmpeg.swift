import CFFmpeg

extension TrackInfo {
    /// Copies a stream's codec parameters and timing.
    init(kind: TrackKind, stream: UnsafeMutablePointer<AVStream>) {
        let par = stream.pointee.codecpar.pointee
        let layout = par.ch_layout
        let extradata: [UInt8] =
            if let data = par.extradata, par.extradata_size > 0 {
                Array(UnsafeBufferPointer(start: data, count: Int(par.extradata_size)))
            } else { [] }
        let nopts = rc_av_nopts_value()
        self.init(
            kind: kind, codecID: Int32(bitPattern: par.codec_id.rawValue),
            codecName: String(cString: avcodec_get_name(par.codec_id)), codecTag: par.codec_tag,
            format: par.format, bitRate: par.bit_rate, bitsPerCodedSample: par.bits_per_coded_sample,
            bitsPerRawSample: par.bits_per_raw_sample, profile: par.profile, level: par.level,
            width: par.width, height: par.height, sampleRate: par.sample_rate,
            channelOrder: Int32(bitPattern: layout.order.rawValue), channelCount: layout.nb_channels,
            channelMask: layout.order == AV_CHANNEL_ORDER_NATIVE ? layout.u.mask : 0,
            frameSize: par.frame_size, initialPadding: par.initial_padding,
            trailingPadding: par.trailing_padding, seekPreroll: par.seek_preroll, blockAlign: par.block_align,
            timeBase: TimeBase(stream.pointee.time_base.num, stream.pointee.time_base.den),
            startPTS: stream.pointee.start_time == nopts ? 0 : stream.pointee.start_time,
            durationPTS: stream.pointee.duration == nopts || stream.pointee.duration <= 0
                ? nil : stream.pointee.duration,
            extradata: extradata)
    }

    /// Fills freshly allocated codec parameters from this description.
    func fill(_ par: UnsafeMutablePointer<AVCodecParameters>) {
        par.pointee.codec_type = kind == .audio ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO
        par.pointee.codec_id = AVCodecID(rawValue: UInt32(bitPattern: codecID))
        par.pointee.codec_tag = codecTag
        par.pointee.format = format
        par.pointee.bit_rate = bitRate
        par.pointee.bits_per_coded_sample = bitsPerCodedSample
        par.pointee.bits_per_raw_sample = bitsPerRawSample
        par.pointee.profile = profile
        par.pointee.level = level
        par.pointee.width = width
        par.pointee.height = height
        par.pointee.sample_rate = sampleRate
        av_channel_layout_uninit(&par.pointee.ch_layout)
        if channelOrder == Int32(bitPattern: AV_CHANNEL_ORDER_NATIVE.rawValue) && channelMask != 0 {
            av_channel_layout_from_mask(&par.pointee.ch_layout, channelMask)
        } else if channelCount > 0 {
            av_channel_layout_default(&par.pointee.ch_layout, channelCount)
        }
        par.pointee.frame_size = frameSize
        par.pointee.initial_padding = initialPadding
        par.pointee.trailing_padding = trailingPadding
        par.pointee.seek_preroll = seekPreroll
        par.pointee.block_align = blockAlign
        av_freep(&par.pointee.extradata)
        par.pointee.extradata_size = 0
        if !extradata.isEmpty,
            let buffer = av_mallocz(extradata.count + Int(AV_INPUT_BUFFER_PADDING_SIZE))?
                .assumingMemoryBound(to: UInt8.self)
        {
            extradata.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: extradata.count) }
            par.pointee.extradata = buffer
            par.pointee.extradata_size = Int32(extradata.count)
        }
    }
}

extension TrackInfo {
    /// FFmpeg's name for the channel layout, e.g. "stereo", "mono", "5.1(side)";
    /// empty for video.
    public var channelLayoutName: String {
        guard kind == .audio, channelCount > 0 else { return "" }
        var layout = AVChannelLayout()
        defer { av_channel_layout_uninit(&layout) }
        if channelOrder == Int32(bitPattern: AV_CHANNEL_ORDER_NATIVE.rawValue) && channelMask != 0 {
            av_channel_layout_from_mask(&layout, channelMask)
        } else {
            av_channel_layout_default(&layout, channelCount)
        }
        var buffer = [CChar](repeating: 0, count: 64)
        guard av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 else { return "\(channelCount) channels" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
