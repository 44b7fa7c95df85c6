import CFFmpeg
import Foundation

/// Decodes a stream's audio fragments, in order, to interleaved 16-bit PCM at a
/// fixed output format (48 kHz stereo by default).
///
/// One codec context and one resampler are kept across fragments, so decoding
/// fragment after fragment gives the same samples as decoding the whole file
/// (no click, gap or duplicate at boundaries). To start in the middle of a
/// stream or after a gap: `reset()`, then `preroll(_:)` with the fragment(s)
/// just before, then `decode(_:)`; the output then starts exactly at the first
/// audio sample of the decoded fragment, bit-exact with whole-file decoding
/// from that sample on. Without pre-roll the first tens of milliseconds are
/// wrong (MP3 bit reservoir, codec overlap) and the output may begin up to one
/// resampling period (e.g. 147 input samples for 44.1 → 48 kHz) late.
///
///     let decoder = try AudioDecoder(header: header)
///     for fragment in fragments { play(decoder.decode(fragment).samples) }
///     play(decoder.finish().samples)
///
/// Not thread-safe: drive one decoder from one task at a time.
public final class AudioDecoder {
    /// The stream being decoded.
    public let header: StreamHeader
    /// The output format.
    public let output: PCMFormat
    /// Called for each warning (a corrupt packet skipped).
    public var warningHandler: ((MediaWarning) -> Void)?
    /// Every warning so far.
    public private(set) var warnings: [MediaWarning] = []

    private let codec: CodecContext
    private var resampler: Resampler?
    private let frame: UnsafeMutablePointer<AVFrame>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let track: TrackInfo
    private let file: String
    /// Where the next output sample sits on the whole-stream output timeline
    /// (0 = the stream's first audible sample).
    private var outputPosition: Int64 = 0
    /// Output samples before this position are dropped (a join's start).
    private var dropBefore: Int64 = Int64.min
    /// Input sample index at which the fresh resampler starts (phase-aligned), once chosen.
    private var resamplerStart: Int64?
    /// Input sample index expected for the next frame (for frames without pts).
    private var nextInputIndex: Int64?
    /// The next decoded packet starts a join (after init or `reset()`).
    private var joinPending = true
    /// All output is dropped (pre-roll).
    private var discarding = false
    private var finished = false

    /// Creates a decoder for `header`'s audio track; `file` names the stream in
    /// errors and warnings.
    /// - Throws: `MediaError.Kind.unsupportedCodec` when FFmpeg cannot decode it.
    public init(header: StreamHeader, output: PCMFormat = .standard, file: String = "stream") throws(MediaError) {
        self.header = header
        self.output = output
        self.track = header.audio
        self.file = file
        do {
            codec = try CodecContext(track: header.audio)
        } catch let failure {
            throw MediaError(.unsupportedCodec, file: file, reason: failure.reason)
        }
        guard let frame = av_frame_alloc() else {
            throw MediaError(.decoderFailure, file: file, reason: "out of memory")
        }
        guard let packet = av_packet_alloc() else {
            var f: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&f)
            throw MediaError(.decoderFailure, file: file, reason: "out of memory")
        }
        self.frame = frame
        self.packet = packet
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    /// Decodes the audio packets of `fragment` (the next one in order).
    public func decode(_ fragment: Fragment) -> PCMBuffer {
        var pcm = PCMBuffer(format: output)
        // A hint only: the fragment's duration as it claims it, bounded by the longest fragment the
        // fragmenter makes (target + packet + gap limits), so a record claiming years reserves nothing absurd.
        let longest = MediaSource.maximumFragmentSeconds
            + Double(MediaLimits.maximumPacketSeconds + MediaLimits.maximumGapSeconds)
        let seconds = fragment.durationSeconds.isFinite ? min(max(fragment.durationSeconds, 0), longest) : 0
        let frames = Int(seconds * Double(output.sampleRate) * 1.05) + 4096
        pcm.samples.reserveCapacity(frames * output.channels)
        decode(packets: fragment.packets, into: &pcm)
        return pcm
    }

    /// Decodes the audio packets of `fragment`, appending to `pcm` (whose format
    /// must be `output`). Reusing one buffer (`removeAll(keepingCapacity: true)`)
    /// saves an allocation per fragment.
    public func decode(_ fragment: Fragment, into pcm: inout PCMBuffer) {
        decode(packets: fragment.packets, into: &pcm)
    }

    /// Decodes audio packets in order; video packets are ignored.
    public func decode(packets: some Sequence<MediaPacket>) -> PCMBuffer {
        var pcm = PCMBuffer(format: output)
        decode(packets: packets, into: &pcm)
        return pcm
    }

    /// Decodes audio packets in order, appending to `pcm`; video packets are ignored.
    public func decode(packets: some Sequence<MediaPacket>, into pcm: inout PCMBuffer) {
        for packet in packets where packet.track == .audio {
            if finished { reset() }
            if joinPending {
                joinPending = false
                if let time = packet.time, let index = outputIndex(ofTime: time) {
                    dropBefore = index
                }
            }
            decodeOne(packet, into: &pcm)
        }
    }

    /// Feeds the last audio packets of `fragments` (the ones just before the
    /// fragment to be decoded next) through the decoder and drops their output,
    /// so that the next `decode(_:)` starts with correct samples. Pre-roll
    /// starts a join: a decoder that has already decoded is `reset()` first.
    public func preroll(_ fragments: [Fragment]) {
        if !joinPending || finished { reset() }
        let audio = fragments.flatMap { $0.packets(of: .audio) }
        let (minimumPackets, minimumBytes) = prerollNeeds
        var chosen: [MediaPacket] = []
        var bytes = 0
        for packet in audio.reversed() {
            if chosen.count >= minimumPackets && bytes >= minimumBytes { break }
            if chosen.count >= 256 { break }
            chosen.append(packet)
            bytes += packet.data.count
        }
        discarding = true
        var ignored = PCMBuffer(format: output)
        for packet in chosen.reversed() { decodeOne(packet, into: &ignored) }
        discarding = false
    }

    /// Forgets the decoder and resampler state, for a gap or a jump in the
    /// stream. The next `decode(_:)` (optionally after `preroll(_:)`) starts a
    /// new run whose output begins at its first packet's time.
    public func reset() {
        avcodec_flush_buffers(codec.pointer)
        resampler = nil
        resamplerStart = nil
        nextInputIndex = nil
        joinPending = true
        dropBefore = Int64.min
        finished = false
    }

    /// Drains the decoder and the resampler at the end of the stream: the last
    /// samples they hold. Decoding afterwards starts a new run (as after `reset()`).
    public func finish() -> PCMBuffer {
        var pcm = PCMBuffer(format: output)
        finish(into: &pcm)
        return pcm
    }

    /// `finish()`, appending the last samples to `pcm`.
    public func finish(into pcm: inout PCMBuffer) {
        guard !finished else { return }
        finished = true
        if avcodec_send_packet(codec.pointer, nil) >= 0 { receiveFrames(into: &pcm, packetTime: nil) }
        resampler?.flush { emit($0, into: &pcm) }
    }

    // MARK: - Internals

    /// Packets and bytes of pre-roll the codec needs before its output is right:
    /// MP3 frames may borrow up to 511 bytes from earlier frames (bit reservoir)
    /// and overlap the previous frame; AAC overlaps one frame.
    private var prerollNeeds: (packets: Int, bytes: Int) {
        switch track.codecName {
        case "mp3", "mp2", "mp1": (4, 1536)
        case "aac": (3, 0)
        default: (4, 0)
        }
    }

    /// The output sample index of stream time `time` (track ticks), rounded up; nil when it does not fit
    /// (a time no demuxed file has: `MediaLimits` keeps them within 7 days).
    private func outputIndex(ofTime time: Int64) -> Int64? {
        rescaled(time, rate: Int64(output.sampleRate), rounding: AV_ROUND_UP)
    }

    /// Stream time `time` (track ticks) since the track's start, in samples at `rate`; nil when the
    /// difference or the product does not fit (FFmpeg's INT64_MIN), or the rate or time base is unusable.
    private func rescaled(_ time: Int64, rate: Int64, rounding: AVRounding) -> Int64? {
        guard track.timeBase.numerator > 0, track.timeBase.denominator > 0, rate > 0, rate <= Int64(Int32.max),
            let offset = time.checkedSubtracting(track.startPTS)
        else { return nil }
        let tb = AVRational(num: track.timeBase.numerator, den: track.timeBase.denominator)
        let index = av_rescale_q_rnd(offset, tb, AVRational(num: 1, den: Int32(rate)), rounding)
        return index == Int64.min ? nil : index
    }

    private func decodeOne(_ media: MediaPacket, into pcm: inout PCMBuffer) {
        av_packet_unref(packet)
        guard let size = Int32(exactly: media.data.count), av_new_packet(packet, size) >= 0 else {
            warn("audio packet of \(media.data.count) bytes skipped: too large, or out of memory")
            return
        }
        media.data.withUnsafeBufferPointer { bytes in
            if let base = bytes.baseAddress { packet.pointee.data.update(from: base, count: bytes.count) }
        }
        let nopts = rc_av_nopts_value()
        packet.pointee.pts = media.pts ?? nopts
        packet.pointee.dts = media.dts ?? nopts
        packet.pointee.duration = media.duration
        packet.pointee.flags = (media.isKeyframe ? AV_PKT_FLAG_KEY : 0) | (media.isDiscard ? AV_PKT_FLAG_DISCARD : 0)
        if let skip = media.skipSamples,
            let side = av_packet_new_side_data(packet, AV_PKT_DATA_SKIP_SAMPLES, SkipSamples.sideDataSize)
        {
            skip.write(to: side)
        }
        let status = avcodec_send_packet(codec.pointer, packet)
        if status < 0 && status != rc_averror_eagain() {
            warn("corrupt audio packet at \(describe(media.time)) skipped (\(FFmpegLog.message(status)))")
            return
        }
        receiveFrames(into: &pcm, packetTime: media.time)
    }

    private func receiveFrames(into pcm: inout PCMBuffer, packetTime: Int64?) {
        // Bounded: a packet yields a handful of frames at most.
        for _ in 0..<4096 {
            let status = avcodec_receive_frame(codec.pointer, frame)
            if status == rc_averror_eagain() || status == rc_averror_eof() { return }
            if status < 0 {
                warn("corrupt audio packet at \(describe(packetTime)) skipped (\(FFmpegLog.message(status)))")
                return
            }
            defer { av_frame_unref(frame) }
            resample(frame, into: &pcm)
        }
    }

    private func resample(_ frame: UnsafeMutablePointer<AVFrame>, into pcm: inout PCMBuffer) {
        let count = Int64(frame.pointee.nb_samples)
        guard count > 0 else { return }
        let rate = Int64(frame.pointee.sample_rate)
        let nopts = rc_av_nopts_value()
        let pts = frame.pointee.best_effort_timestamp != nopts ? frame.pointee.best_effort_timestamp : frame.pointee.pts
        let known = pts != nopts ? rescaled(pts, rate: rate, rounding: AV_ROUND_NEAR_INF) : nil
        let inputIndex = known ?? nextInputIndex ?? 0
        guard let nextIndex = inputIndex.checkedAdding(count) else {
            warn("audio frame at \(describe(pts != nopts ? pts : nil)) skipped: its time does not fit")
            return
        }
        nextInputIndex = nextIndex

        if let current = resampler, !current.accepts(frame) {
            current.flush { emit($0, into: &pcm) }
            resampler = nil
            resamplerStart = nil
        }
        if resampler == nil {
            // A fresh resampler starts at an input sample whose position on the
            // output grid is a whole sample, so its phase matches whole-stream
            // resampling from the stream's first sample.
            let outRate = Int64(output.sampleRate)
            let period = rate / gcd(rate, outRate)
            guard let start = resamplerStart ?? ceilDiv(inputIndex, period).checkedMultiplied(by: period),
                let position = start.checkedMultiplied(by: outRate).map({ $0 / rate })
            else {
                warn("audio frame at \(describe(pts != nopts ? pts : nil)) skipped: its time does not fit")
                return
            }
            resamplerStart = start
            guard nextIndex > start else { return }
            guard let made = Resampler(frame: frame, output: output) else {
                warn("audio frame skipped: cannot convert its sample format")
                return
            }
            resampler = made
            outputPosition = position
            // start ≤ inputIndex + period (a resampling period, < the rate), and < inputIndex + count here.
            let skip = Int(max(0, start.saturatingSubtracting(inputIndex)))
            made.convert(frame, offset: skip, count: Int(count) - skip) { emit($0, into: &pcm) }
            return
        }
        resampler?.convert(frame, offset: 0, count: Int(count)) { emit($0, into: &pcm) }
    }

    private func emit(_ samples: UnsafeBufferPointer<Int16>, into pcm: inout PCMBuffer) {
        let frames = Int64(samples.count / output.channels)
        defer { outputPosition = outputPosition.checkedAdding(frames) ?? Int64.max }
        if discarding { return }
        let dropped = max(0, min(frames, dropBefore.saturatingSubtracting(outputPosition)))
        if dropped == 0 {
            pcm.samples.append(contentsOf: samples)
        } else if dropped < frames {
            pcm.samples.append(contentsOf: samples[(Int(dropped) * output.channels)...])
        }
    }

    private func describe(_ time: Int64?) -> String {
        guard let time else { return "unknown time" }
        return String(format: "%.3f s", track.timeBase.seconds(time))
    }

    private func warn(_ message: String) {
        let warning = MediaWarning(file: file, message: message)
        warnings.append(warning)
        warningHandler?(warning)
    }
}

private func gcd(_ a: Int64, _ b: Int64) -> Int64 {
    var (x, y) = (abs(a), abs(b))
    while y != 0 { (x, y) = (y, x % y) }
    return max(x, 1)
}

private func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a > 0) == (b > 0)) ? q + 1 : q
}

/// Owns FFmpeg state that must not be shared across threads: use one `AudioDecoder` from
/// one task at a time.
@available(*, unavailable)
extension AudioDecoder: Sendable {}
