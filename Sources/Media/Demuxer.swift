import CFFmpeg
import Foundation

/// Owns one libavformat input: opens and checks a file, describes its tracks,
/// and reads its packets one at a time (memory stays flat whatever the size).
final class Demuxer {
    /// What one read gave.
    enum Read {
        case packet(MediaPacket)
        case warning(String)
        case end
    }

    let path: String
    let header: StreamHeader
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let audioIndex: Int32
    private let videoIndex: Int32?
    private var consecutiveErrors = 0
    private var audioEnd: Int64?
    private var endChecked = false
    /// Read errors in a row after which the rest of the file is given up.
    private static let maxConsecutiveErrors = 64

    /// Opens `path` and checks that it is an MP3/MP4/M4A file with a decodable
    /// audio track.
    init(path: String) throws(MediaError) {
        FFmpegLog.silence()
        self.path = path
        try Self.checkFile(path)
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        let openStatus = avformat_open_input(&ctx, path, nil, nil)
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
        self.context = ctx
        self.packet = packet
        (self.header, self.audioIndex, self.videoIndex) = described
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        avformat_close_input(&context)
    }

    /// Reads the next packet of the audio or video track.
    func read() -> Read {
        guard let ctx = context else { return .end }
        while true {
            av_packet_unref(packet)
            let status = av_read_frame(ctx, packet)
            if status == rc_averror_eof() { return endOfInput() }
            if status < 0 {
                consecutiveErrors += 1
                if consecutiveErrors >= Self.maxConsecutiveErrors || status == rc_averror(EIO) {
                    endChecked = true
                    return .warning("ends early: read error (\(FFmpegLog.message(status))), rest of file ignored")
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
            if track == .audio, let t = media.time {
                audioEnd = max(audioEnd ?? Int64.min, t + max(media.duration, 0))
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
        guard let ctx = context, ctx.pointee.duration_estimation_method != AVFMT_DURATION_FROM_BITRATE,
            let declared = header.audio.durationPTS
        else { return .end }
        let tb = header.audio.timeBase
        let declaredEnd = header.audio.startPTS + declared
        let reached = audioEnd ?? header.audio.startPTS
        let tolerance = tb.ticks(seconds: 0.5)
        if reached < declaredEnd - tolerance {
            let got = String(format: "%.2f", tb.seconds(reached))
            let want = String(format: "%.2f", tb.seconds(declaredEnd))
            return .warning("ends early: audio stops at \(got) s of the \(want) s its header declares (truncated file?)")
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
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        guard let size, size > 0 else {
            throw MediaError(.emptyFile, file: path, reason: "file is empty")
        }
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
        let infoStatus = avformat_find_stream_info(ctx, nil)
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
        let audioInfo = TrackInfo(kind: .audio, stream: audioStream)
        try checkDecodable(audioInfo, path: path)
        let videoInfo = video.flatMap { ctx.pointee.streams[Int($0)] }.map { TrackInfo(kind: .video, stream: $0) }
        return (StreamHeader(containerName: containerName, audio: audioInfo, video: videoInfo), audio, video)
    }

    /// Opens (and closes) a decoder for the audio track, so that a file whose
    /// audio cannot be decoded is refused up front.
    private static func checkDecodable(_ info: TrackInfo, path: String) throws(MediaError) {
        do {
            _ = try CodecContext(track: info)
        } catch let failure {
            throw MediaError(.unsupportedCodec, file: path, reason: failure.reason)
        }
    }
}
