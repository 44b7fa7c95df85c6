import CFFmpeg

/// One libavformat MP4 muxer in fragmented mode writing into memory: `FMP4Writer` makes one per
/// segment (so no segment depends on what was written before it) and drops it afterwards.
final class FMP4Muxer {
    private let header: StreamHeader
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let sink: MemorySink
    /// Output stream index of each track (video first when present).
    private let streamIndex: [TrackKind: Int32]
    private var wroteHeader = false

    /// The bytes the muxer wrote, gathered by its write callback.
    final class MemorySink {
        var bytes: [UInt8] = []
    }

    init(header: StreamHeader, sequenceNumber: Int) throws(FMP4Error) {
        FFmpegLog.silence()
        self.header = header
        sink = MemorySink()
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_alloc_output_context2(&ctx, nil, "mp4", nil) >= 0, let ctx else {
            throw FMP4Error("libavformat has no mp4 muxer")
        }
        context = ctx
        var indices: [TrackKind: Int32] = [:]
        for track in [header.video, header.audio].compactMap({ $0 }) {
            guard let stream = avformat_new_stream(ctx, nil) else {
                Self.free(ctx)
                context = nil
                throw FMP4Error("out of memory")
            }
            track.fill(stream.pointee.codecpar)
            stream.pointee.time_base = AVRational(num: track.timeBase.numerator, den: track.timeBase.denominator)
            indices[track.kind] = stream.pointee.index
        }
        streamIndex = indices
        ctx.pointee.flags |= AVFMT_FLAG_BITEXACT
        guard let buffer = av_malloc(FMP4Layout.ioBufferSize)?.assumingMemoryBound(to: UInt8.self),
            let io = avio_alloc_context(
                buffer, Int32(FMP4Layout.ioBufferSize), 1, Unmanaged.passUnretained(sink).toOpaque(), nil,
                { opaque, data, size in
                    guard let opaque, let data, size > 0 else { return 0 }
                    let sink = Unmanaged<MemorySink>.fromOpaque(opaque).takeUnretainedValue()
                    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(size)))
                    return size
                }, nil)
        else {
            Self.free(ctx)
            context = nil
            throw FMP4Error("out of memory")
        }
        ctx.pointee.pb = io
        let options: [(String, String)] = [
            ("movflags", FMP4Layout.movflags), ("use_editlist", "0"), ("avoid_negative_ts", "disabled"),
            ("fragment_index", String(sequenceNumber)),
        ]
        for (name, value) in options {
            let status = av_opt_set(ctx, name, value, AV_OPT_SEARCH_CHILDREN)
            guard status >= 0 else {
                Self.free(ctx)
                context = nil
                throw FMP4Error("mp4 muxer refused option \(name)=\(value): \(FFmpegLog.message(status))")
            }
        }
    }

    deinit {
        if let context { Self.free(context) }
    }

    private static func free(_ ctx: UnsafeMutablePointer<AVFormatContext>) {
        if let pb = ctx.pointee.pb {
            av_freep(&ctx.pointee.pb.pointee.buffer)
            var io: UnsafeMutablePointer<AVIOContext>? = pb
            avio_context_free(&io)
            ctx.pointee.pb = nil
        }
        avformat_free_context(ctx)
    }

    /// Writes `ftyp` + `moov` and returns them.
    func writeHeader() throws(FMP4Error) -> [UInt8] {
        guard let context else { throw FMP4Error("muxer closed") }
        let status = avformat_write_header(context, nil)
        guard status >= 0 else { throw FMP4Error("mp4 muxer refused the stream header: \(FFmpegLog.message(status))") }
        wroteHeader = true
        avio_flush(context.pointee.pb)
        defer { sink.bytes.removeAll(keepingCapacity: true) }
        return sink.bytes
    }

    /// Writes the fragment's packets as one `moof` + `mdat` and returns them.
    func writeFragment(_ fragment: Fragment) throws(FMP4Error) -> [UInt8] {
        guard let context, wroteHeader else { throw FMP4Error("muxer has no header") }
        sink.bytes.removeAll(keepingCapacity: true)
        guard let packet = av_packet_alloc() else { throw FMP4Error("out of memory") }
        var owned: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&owned) }
        let nopts = rc_av_nopts_value()
        for (position, media) in fragment.packets.enumerated() {
            guard let index = streamIndex[media.track], let track = track(media.track) else {
                throw FMP4Error("packet \(position) of fragment \(fragment.index) is of a track the header does not have")
            }
            guard let stream = context.pointee.streams[Int(index)] else { throw FMP4Error("muxer lost a stream") }
            av_packet_unref(packet)
            guard av_new_packet(packet, Int32(media.data.count)) >= 0 else { throw FMP4Error("out of memory") }
            media.data.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { packet.pointee.data.update(from: base, count: source.count) }
            }
            let offset = Int64(track.timeBase.ticks(seconds: Double(FMP4Layout.decodeTimeOffsetSeconds)))
            let dts = media.dts ?? media.pts
            let pts = media.pts ?? media.dts
            guard let dts, let pts else {
                throw FMP4Error("packet \(position) of fragment \(fragment.index) has no timestamp")
            }
            packet.pointee.stream_index = index
            packet.pointee.pts = pts + offset
            packet.pointee.dts = dts + offset
            packet.pointee.duration = media.duration
            packet.pointee.flags = media.isKeyframe ? AV_PKT_FLAG_KEY : 0
            av_packet_rescale_ts(
                packet, AVRational(num: track.timeBase.numerator, den: track.timeBase.denominator),
                stream.pointee.time_base)
            if packet.pointee.pts == nopts || packet.pointee.dts == nopts {
                throw FMP4Error("packet \(position) of fragment \(fragment.index) has no timestamp")
            }
            let status = av_write_frame(context, packet)
            guard status >= 0 else {
                throw FMP4Error(
                    "mp4 muxer refused packet \(position) of fragment \(fragment.index): \(FFmpegLog.message(status))")
            }
        }
        // A null packet flushes the fragment (`frag_custom`).
        let status = av_write_frame(context, nil)
        guard status >= 0 else {
            throw FMP4Error("mp4 muxer could not flush fragment \(fragment.index): \(FFmpegLog.message(status))")
        }
        avio_flush(context.pointee.pb)
        return sink.bytes
    }

    private func track(_ kind: TrackKind) -> TrackInfo? {
        kind == .video ? header.video : header.audio
    }
}
