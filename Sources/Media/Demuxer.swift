import CFFmpeg
import Foundation

/// Owns one libavformat input: opens and checks a file, describes its tracks,
/// and reads its packets one at a time (memory stays flat whatever the size).
final class Demuxer {
    /// What one read gave.
    enum Read {
        case packet(MediaPacket)
        case warning(String)
        /// A packet broke `MediaLimits` (see `PacketTimeline`): the file is refused; reads after it end.
        case failure(MediaError)
        case end
    }

    let path: String
    private(set) var header: StreamHeader
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let audioIndex: Int32
    private let videoIndex: Int32?
    private var consecutiveErrors = 0
    private var audioEnd: Int64?
    /// Size and first four bytes of the last audio packet (to spot a cut-short MP3 frame).
    private var lastAudioPacket: (size: Int, head: UInt32)?
    private var endChecked = false
    private var stopped = false
    /// Reads taken ahead while looking for the first audio packet, replayed first.
    private var readAhead: [Read] = []
    private var readAheadPosition = 0
    /// The bounds each track's packets are checked against as they are read.
    private var audioTimeline: PacketTimeline
    private var videoTimeline: PacketTimeline?
    /// Packets and bytes read ahead at most to find the first audio packet.
    private static let maxReadAhead = (packets: 4096, bytes: 8 << 20)
    /// The seek index libavformat may keep for an MP3 (it halves it past this): 680 frames.
    static let mp3IndexBytes: UInt32 = 16 << 10
    /// Read errors in a row after which the rest of the file is given up.
    private static let maxConsecutiveErrors = 64

    /// Opens `path` and checks that it is an MP3/MP4/M4A file with a decodable
    /// audio track.
    init(path: String) throws(MediaError) {
        FFmpegLog.silence()
        self.path = path
        try Self.checkFile(path)
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        var openStatus: Int32 = -1
        if let format = Self.recognisedFormat(path) {
            openStatus = Self.openLocal(&ctx, path: path, format: format)
        }
        if openStatus < 0 {
            // Not recognisably MP3/MP4, or the guess was wrong: let FFmpeg probe
            // every format (which also names foreign containers in the error).
            openStatus = Self.openLocal(&ctx, path: path, format: nil)
        }
        guard openStatus >= 0, let ctx else {
            throw Self.openFailure(path: path, status: openStatus)
        }
        let described: (StreamHeader, Int32, Int32?)
        do {
            described = try Self.describe(ctx, path: path)
        } catch {
            var c: UnsafeMutablePointer<AVFormatContext>? = ctx
            avformat_close_input(&c)
            throw error
        }
        guard let packet = av_packet_alloc() else {
            var c: UnsafeMutablePointer<AVFormatContext>? = ctx
            avformat_close_input(&c)
            throw MediaError(.decoderFailure, file: path, reason: "out of memory")
        }
        if described.0.containerName == "mp3" {
            // libavformat indexes every MP3 frame it reads for seeking (24 bytes a frame, up to 1 MiB per
            // stream: 19 minutes of a long broadcast on the leader); raftcast reads straight through.
            ctx.pointee.max_index_size = Self.mp3IndexBytes
        }
        // `describe` checked both time bases: the timelines exist.
        guard let audioTimeline = PacketTimeline(track: .audio, timeBase: described.0.audio.timeBase) else {
            var c: UnsafeMutablePointer<AVFormatContext>? = ctx
            avformat_close_input(&c)
            var p: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&p)
            throw MediaError(.invalidTiming, file: path, reason: "audio time base \(described.0.audio.timeBase) is not usable")
        }
        self.context = ctx
        self.packet = packet
        (self.header, self.audioIndex, self.videoIndex) = described
        self.audioTimeline = audioTimeline
        self.videoTimeline = described.0.video.flatMap { PacketTimeline(track: .video, timeBase: $0.timeBase) }
        header.audio.startPTS = findAudioStart() ?? header.audio.startPTS
    }

    /// The time of the first audible sample: the first audio packet's pts plus
    /// the samples its side data says to skip (FFmpeg's `start_time`, found
    /// without `avformat_find_stream_info`). The reads it takes are replayed.
    private func findAudioStart() -> Int64? {
        var start: Int64?
        var bytes = 0
        while readAhead.count < Self.maxReadAhead.packets && bytes < Self.maxReadAhead.bytes {
            let read = readFromFile()
            readAhead.append(read)
            if case .end = read { break }
            if case .failure = read { break }
            if case .packet(let p) = read { bytes += p.data.count }
            if case .packet(let p) = read, p.track == .audio {
                // The packet's time is within `MediaLimits` (checked as it was read); the skip is at most
                // 2³² samples, rescaled with FFmpeg's overflow signal checked. A start outside the limits
                // is not believed (the stream's own start time stays).
                if let time = p.time {
                    let skip = Int64(p.skipSamples?.start ?? 0)
                    let tb = header.audio.timeBase
                    let skipTicks = av_rescale_q(
                        skip, AVRational(num: 1, den: max(header.audio.sampleRate, 1)),
                        AVRational(num: tb.numerator, den: tb.denominator))
                    if skipTicks != Int64.min, let sum = time.checkedAdding(skipTicks),
                        MediaLimits.timestampRange(in: tb)?.contains(sum) == true
                    {
                        start = sum
                    }
                }
                break
            }
        }
        return start
    }

    /// Entries in the audio stream's seek index (for tests: it must not grow with the file).
    var audioIndexEntryCount: Int {
        guard let stream = context?.pointee.streams[Int(audioIndex)] else { return 0 }
        return Int(avformat_index_get_entries_count(stream))
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        avformat_close_input(&context)
    }

    /// Reads the next packet of the audio or video track.
    func read() -> Read {
        if readAheadPosition < readAhead.count {
            defer {
                readAheadPosition += 1
                if readAheadPosition == readAhead.count {
                    readAhead = []
                    readAheadPosition = 0
                }
            }
            return readAhead[readAheadPosition]
        }
        return readFromFile()
    }

    private func readFromFile() -> Read {
        guard let ctx = context, !stopped else { return .end }
        while true {
            av_packet_unref(packet)
            let status = av_read_frame(ctx, packet)
            if status == rc_averror_eof() { return endOfInput() }
            if status < 0 {
                consecutiveErrors += 1
                if consecutiveErrors >= Self.maxConsecutiveErrors || status == rc_averror(EIO) {
                    stopped = true
                    return .warning("\(MediaWarning.truncationPrefix): read error (\(FFmpegLog.message(status))), rest of file ignored")
                }
                return .warning("unreadable data skipped (\(FFmpegLog.message(status)))")
            }
            consecutiveErrors = 0
            let index = packet.pointee.stream_index
            let track: TrackKind
            if index == audioIndex {
                track = .audio
            } else if let videoIndex, index == videoIndex {
                track = .video
            } else {
                continue
            }
            let flags = packet.pointee.flags
            let nopts = rc_av_nopts_value()
            let pts = packet.pointee.pts == nopts ? nil : packet.pointee.pts
            let dts = packet.pointee.dts == nopts ? nil : packet.pointee.dts
            if flags & AV_PKT_FLAG_CORRUPT != 0 {
                let at = (pts ?? dts).map { String(format: "%.3f s", trackInfo(track).timeBase.seconds($0)) } ?? "?"
                return .warning("corrupt \(track) packet at \(at) skipped")
            }
            var skip: SkipSamples?
            var sideSize = 0
            if let side = av_packet_get_side_data(packet, AV_PKT_DATA_SKIP_SAMPLES, &sideSize) {
                skip = SkipSamples(sideData: UnsafeBufferPointer(start: side, count: sideSize))
            }
            let data: [UInt8] =
                if let bytes = packet.pointee.data, packet.pointee.size > 0 {
                    Array(UnsafeBufferPointer(start: bytes, count: Int(packet.pointee.size)))
                } else { [] }
            let media = MediaPacket(
                track: track, pts: pts, dts: dts, duration: packet.pointee.duration,
                isKeyframe: flags & AV_PKT_FLAG_KEY != 0, isDiscard: flags & AV_PKT_FLAG_DISCARD != 0,
                skipSamples: skip, data: data)
            let refusal = track == .audio ? audioTimeline.check(media) : videoTimeline?.check(media)
            if let refusal {
                stopped = true
                return .failure(MediaError(.invalidTiming, file: path, reason: refusal))
            }
            if track == .audio {
                // Checked by the timeline: the time and the duration are bounded, so is their sum.
                if let t = media.time, let end = t.checkedAdding(media.duration) { audioEnd = max(audioEnd ?? end, end) }
                let head = data.count >= 4
                    ? UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3]) : 0
                lastAudioPacket = (data.count, head)
            }
            return .packet(media)
        }
    }

    private func trackInfo(_ track: TrackKind) -> TrackInfo {
        track == .video ? header.video ?? header.audio : header.audio
    }

    /// At the end of input: warns once when the audio stops well before the
    /// duration the container declares (a truncated file).
    private func endOfInput() -> Read {
        guard !endChecked else { return .end }
        endChecked = true
        let tb = header.audio.timeBase
        let reached = audioEnd ?? header.audio.startPTS
        // The start and the declared duration were checked against `MediaLimits` when the file was opened.
        if let ctx = context, ctx.pointee.duration_estimation_method != AVFMT_DURATION_FROM_BITRATE,
            let declared = header.audio.durationPTS,
            let declaredEnd = header.audio.startPTS.checkedAdding(declared),
            let slackEnd = declaredEnd.checkedSubtracting(tb.ticks(seconds: 0.5)),
            reached < slackEnd
        {
            let got = String(format: "%.2f", tb.seconds(reached))
            let want = String(format: "%.2f", tb.seconds(declaredEnd))
            return .warning(
                "\(MediaWarning.truncationPrefix): audio stops at \(got) s of the \(want) s its header declares (truncated file?)")
        }
        // Without a declared duration (an MP3 without Xing/Info header), a file cut
        // mid-frame still shows: its last frame is shorter than its header says.
        if header.audio.codecName == "mp3", let last = lastAudioPacket,
            let expected = MPEGAudioFrame.layer3Length(header: last.head), last.size < expected
        {
            let at = String(format: "%.2f", tb.seconds(reached))
            return .warning(
                "\(MediaWarning.truncationPrefix): last MP3 frame cut short (\(last.size) of \(expected) bytes) at \(at) s (truncated file?)")
        }
        return .end
    }

    // MARK: - Opening

    private static func checkFile(_ path: String) throws(MediaError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaError(.fileNotFound, file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw MediaError(.isDirectory, file: path, reason: "is a directory, not a media file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MediaError(.unreadable, file: path, reason: "permission denied")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        // A FIFO or device would block or never end: only regular files are media files.
        guard attributes?[.type] as? FileAttributeType == .typeRegular else {
            throw MediaError(.unreadable, file: path, reason: "not a regular file")
        }
        let size = (attributes?[.size] as? NSNumber)?.int64Value
        guard let size, size > 0 else {
            throw MediaError(.emptyFile, file: path, reason: "file is empty")
        }
    }

    /// `avformat_open_input` on the local file `path` only: FFmpeg would otherwise
    /// read "http:…" or "pipe:…" in a file name as a protocol.
    private static func openLocal(
        _ ctx: inout UnsafeMutablePointer<AVFormatContext>?, path: String, format: UnsafePointer<AVInputFormat>?
    ) -> Int32 {
        var options: OpaquePointer?
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        defer { av_dict_free(&options) }
        return avformat_open_input(&ctx, "file:" + path, format, &options)
    }

    /// The demuxer for files that plainly are MP4 (an ISO BMFF box first) or MP3
    /// (an ID3v2 tag or an MPEG-1/2 layer III frame header first), nil otherwise.
    /// Skips FFmpeg's probe of every known format, which pages in megabytes of
    /// library code for nothing.
    private static func recognisedFormat(_ path: String) -> UnsafePointer<AVInputFormat>? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 12), head.count >= 12 else { return nil }
        let b = [UInt8](head)
        let box = String(decoding: b[4..<8], as: UTF8.self)
        if ["ftyp", "moov", "mdat", "free", "wide", "skip"].contains(box) {
            return av_find_input_format("mov")
        }
        let id3 = b[0] == 0x49 && b[1] == 0x44 && b[2] == 0x33
        let layer3Frame =
            b[0] == 0xff && b[1] & 0xe0 == 0xe0 && (b[1] >> 1) & 3 == 1 && b[2] >> 4 != 0 && b[2] >> 4 != 15
            && (b[2] >> 2) & 3 != 3
        return id3 || layer3Frame ? av_find_input_format("mp3") : nil
    }

    private static func openFailure(path: String, status: Int32) -> MediaError {
        // An MP4 whose 'moov' box is missing (cut before it was written) still
        // starts with an 'ftyp' box.
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            if let head = try? handle.read(upToCount: 12), head.count >= 8,
                Array(head[4..<8]) == Array("ftyp".utf8)
            {
                return MediaError(
                    .missingMP4Header, file: path,
                    reason: "MP4 file without a usable 'moov' box (truncated or damaged)")
            }
        }
        if status == rc_averror_invaliddata() {
            return MediaError(.unrecognisedFormat, file: path, reason: "not an MP3 or MP4 file (unrecognised data)")
        }
        return MediaError(.unreadable, file: path, reason: "cannot open: \(FFmpegLog.message(status))")
    }

    private static let supportedContainers: Set<String> = ["mp3", "mov,mp4,m4a,3gp,3g2,mj2"]

    private static func describe(_ ctx: UnsafeMutablePointer<AVFormatContext>, path: String) throws(MediaError)
        -> (StreamHeader, Int32, Int32?)
    {
        let containerName = ctx.pointee.iformat.map { String(cString: $0.pointee.name) } ?? "unknown"
        guard supportedContainers.contains(containerName) else {
            throw MediaError(
                .unsupportedContainer, file: path,
                reason: "unsupported container '\(containerName)' (raftcast reads MP3, MP4 and M4A)")
        }
        let parametersKnown =
            containerName == "mp3"
            ? fillMP3Parameters(ctx, path: path) : !needsStreamInfo(ctx, containerName: containerName)
        let infoStatus = parametersKnown ? 0 : findStreamInfo(ctx)
        guard infoStatus >= 0 else {
            throw MediaError(
                .unrecognisedFormat, file: path, reason: "cannot read stream info: \(FFmpegLog.message(infoStatus))")
        }
        var audio: Int32?
        var video: Int32?
        var bestVideoArea: Int64 = -1
        let attachedPic = rc_disposition_attached_pic()
        for i in 0..<Int(ctx.pointee.nb_streams) {
            guard let st = ctx.pointee.streams[i] else { continue }
            let par = st.pointee.codecpar.pointee
            if par.codec_type == AVMEDIA_TYPE_VIDEO, st.pointee.disposition & attachedPic == 0,
                par.codec_id != AV_CODEC_ID_NONE
            {
                let area = Int64(par.width) * Int64(par.height)
                if area > bestVideoArea {
                    bestVideoArea = area
                    video = Int32(i)
                }
            }
        }
        let best = av_find_best_stream(ctx, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        if best >= 0 { audio = best }
        guard let audio, let audioStream = ctx.pointee.streams[Int(audio)] else {
            let reason = video != nil ? "no audio stream (video only)" : "no audio stream"
            throw MediaError(.noAudioStream, file: path, reason: reason)
        }
        for i in 0..<Int(ctx.pointee.nb_streams) where Int32(i) != audio && Int32(i) != video {
            ctx.pointee.streams[i]?.pointee.discard = AVDISCARD_ALL
        }
        let audioInfo = try checkTiming(TrackInfo(kind: .audio, stream: audioStream), path: path)
        try checkDecodable(audioInfo, path: path)
        var videoInfo: TrackInfo?
        if let video, let stream = ctx.pointee.streams[Int(video)] {
            videoInfo = try checkTiming(TrackInfo(kind: .video, stream: stream), path: path)
        }
        return (StreamHeader(containerName: containerName, audio: audioInfo, video: videoInfo), audio, video)
    }

    /// Whether `avformat_find_stream_info` is needed. An MP4's `moov` box already
    /// gives every audio track's codec, rate, channels and extradata; probing
    /// would decode video frames (megabytes of memory at 720p) for nothing.
    private static func needsStreamInfo(_ ctx: UnsafeMutablePointer<AVFormatContext>, containerName: String) -> Bool {
        guard containerName.hasPrefix("mov,") else { return true }
        for i in 0..<Int(ctx.pointee.nb_streams) {
            guard let par = ctx.pointee.streams[i]?.pointee.codecpar.pointee, par.codec_type == AVMEDIA_TYPE_AUDIO
            else { continue }
            if par.codec_id == AV_CODEC_ID_NONE || par.sample_rate <= 0 || par.ch_layout.nb_channels <= 0 {
                return true
            }
        }
        return false
    }

    /// Fills an MP3's audio parameters from its first frame header, as
    /// `avformat_find_stream_info` would by parsing and decoding frames (which
    /// pages in 1.2 MiB of libavcodec that playing never touches). Only for a
    /// file whose Xing/Info header declares its length (LAME and FFmpeg write
    /// one): without it, the duration and bit rate FFmpeg estimates come from
    /// averaging frames, and that is left to FFmpeg. False when it did nothing.
    private static func fillMP3Parameters(_ ctx: UnsafeMutablePointer<AVFormatContext>, path: String) -> Bool {
        let nopts = rc_av_nopts_value()
        let audio = (0..<Int(ctx.pointee.nb_streams)).compactMap { ctx.pointee.streams[$0] }
            .filter { $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO }
        guard audio.count == 1, let stream = audio.first, let par = stream.pointee.codecpar,
            par.pointee.codec_id == AV_CODEC_ID_MP3,
            stream.pointee.duration != nopts, stream.pointee.duration > 0, let pb = ctx.pointee.pb
        else { return false }
        // The demuxer has checked the frames that follow and left the file at the first one.
        let offset = avio_seek(pb, 0, SEEK_CUR)
        guard offset >= 0, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        func header(at position: Int64) -> MPEGAudioFrame.Parameters? {
            guard (try? handle.seek(toOffset: UInt64(position))) != nil,
                let bytes = try? handle.read(upToCount: 4), bytes.count == 4
            else { return nil }
            return MPEGAudioFrame.parameters(header: bytes.reduce(0) { $0 << 8 | UInt32($1) })
        }
        guard let first = header(at: offset), let second = header(at: offset + Int64(first.length)),
            second.sampleRate == first.sampleRate, second.channelCount == first.channelCount,
            let decoder = avcodec_find_decoder(AV_CODEC_ID_MP3), let formats = decoder.pointee.sample_fmts
        else { return false }
        par.pointee.sample_rate = first.sampleRate
        av_channel_layout_uninit(&par.pointee.ch_layout)
        av_channel_layout_default(&par.pointee.ch_layout, first.channelCount)
        par.pointee.frame_size = first.samplesPerFrame
        par.pointee.format = formats.pointee.rawValue
        // A VBR file's Xing header gave the average; an Info (CBR) header gives none. An average above any
        // MP3's (a Xing header counting 2³² bytes) is not believed either.
        if par.pointee.bit_rate <= 0 || par.pointee.bit_rate > MediaLimits.maximumBitRate {
            par.pointee.bit_rate = first.bitRate
        }
        return true
    }

    /// `avformat_find_stream_info` with single-threaded probe decoders: the
    /// probe decodes a few video frames, and FFmpeg's default frame threading
    /// would allocate a frame context per core (megabytes at 720p) for nothing.
    private static func findStreamInfo(_ ctx: UnsafeMutablePointer<AVFormatContext>) -> Int32 {
        let count = Int(ctx.pointee.nb_streams)
        var options = [OpaquePointer?](repeating: nil, count: count)
        for i in 0..<count { av_dict_set(&options[i], "threads", "1", 0) }
        defer { for i in 0..<count { av_dict_free(&options[i]) } }
        return options.withUnsafeMutableBufferPointer { avformat_find_stream_info(ctx, $0.baseAddress) }
    }

    /// `info` once its timing is checked against `MediaLimits`: a time base that is a positive fraction,
    /// a start time and a declared duration within the maximum programme length (an MP3 whose Xing
    /// header counts 2³² frames, an MP4 track whose `mdhd` declares 2⁶² ticks is refused). A declared bit
    /// rate above `MediaLimits.maximumBitRate` (a Xing header counting 2³² bytes) is dropped as unknown.
    private static func checkTiming(_ info: TrackInfo, path: String) throws(MediaError) -> TrackInfo {
        if let problem = MediaLimits.problem(with: info.timeBase) {
            throw MediaError(.invalidTiming, file: path, reason: "\(info.kind) \(problem)")
        }
        guard let range = MediaLimits.timestampRange(in: info.timeBase), range.contains(info.startPTS) else {
            throw MediaError(
                .invalidTiming, file: path,
                reason: "\(info.kind) track starts at \(MediaLimits.describe(info.startPTS, in: info.timeBase)), outside "
                    + "−\(MediaLimits.leadInSeconds) s … \(MediaLimits.programmeLimitText)")
        }
        if let duration = info.durationPTS, duration > range.upperBound {
            throw MediaError(
                .invalidTiming, file: path,
                reason: "\(info.kind) track declares a duration of \(MediaLimits.describe(duration, in: info.timeBase)), "
                    + "more than the maximum programme length (\(MediaLimits.programmeLimitText))")
        }
        var checked = info
        if checked.bitRate < 0 || checked.bitRate > MediaLimits.maximumBitRate { checked.bitRate = 0 }
        return checked
    }

    /// Refuses a file whose audio codec FFmpeg has no decoder for (or whose audio
    /// parameters are missing). Opening the decoder is left to `AudioDecoder`:
    /// fragmenting does not need its tables in memory.
    private static func checkDecodable(_ info: TrackInfo, path: String) throws(MediaError) {
        do {
            _ = try CodecContext.decoder(for: info)
        } catch let failure {
            throw MediaError(.unsupportedCodec, file: path, reason: failure.reason)
        }
    }
}
