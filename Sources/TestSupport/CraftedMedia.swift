import Foundation

/// Hostile media for the robustness tests: real files made by the ffmpeg CLI, then changed in exactly one
/// field by byte surgery on their box tree or frame header, so that the rest of the file stays valid and
/// FFmpeg reads the forged value (the tests check that with ffprobe before using a file).
///
/// - A fragmented MP4 with one AAC track (48 kHz, timescale 48000: one tick = one sample), one
///   `moof`+`mdat` per second, `tfdt` version 1 (64-bit, as FFmpeg writes it), fragment-relative data
///   offsets (`default_base_moof`) and no `mfra` index, whose fragments' `tfdt` baseMediaDecodeTime is
///   rewritten from the third fragment on: a forward jump, a step back, a value whose top bit is set.
/// - The same MP4 whose track's `mdhd` declares a huge duration (the box rewritten as version 1).
/// - A VBR MP3 (LAME) whose Xing header's frame count or byte count is rewritten.
public enum CraftedMedia {
    /// One crafted file.
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        /// Fragments from the third on decode `ticks` later (added modulo 2⁶⁴).
        case tfdtJump(UInt64)
        /// Fragments from the third on decode `ticks` earlier (still ≥ 0: the times go back).
        case tfdtBackwards(UInt64)
        /// Fragments from the third on decode at −2⁶² + their time (a u64 whose top bit is set).
        case tfdtNegative
        /// The AAC track's `mdhd` declares `ticks` of duration.
        case mdhdDuration(UInt64)
        /// The MP3's Xing header counts `frames` frames.
        case xingFrames(UInt32)
        /// The MP3's Xing header counts `bytes` bytes.
        case xingBytes(UInt32)

        /// A file name for it.
        public var fileName: String {
            switch self {
            case .tfdtJump(let ticks): "tfdt-jump-\(ticks).mp4"
            case .tfdtBackwards(let ticks): "tfdt-back-\(ticks).mp4"
            case .tfdtNegative: "tfdt-negative.mp4"
            case .mdhdDuration(let ticks): "mdhd-duration-\(ticks).mp4"
            case .xingFrames(let frames): "xing-frames-\(frames).mp3"
            case .xingBytes(let bytes): "xing-bytes-\(bytes).mp3"
            }
        }

        public var description: String { fileName }
    }

    /// Sample rate and `mdhd` timescale of the AAC track.
    public static let aacTimescale: UInt64 = 48_000
    /// Seconds of audio in every crafted file.
    public static let seconds = 8
    /// Fragment (0-based) from which decode times are rewritten.
    public static let firstRewrittenFragment = 2

    private static let lock = NSLock()

    /// The crafted file of `kind` in `directory` (made on first use, then reused).
    public static func file(_ kind: Kind, in directory: URL) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let path = directory.appendingPathComponent(kind.fileName).path
        if FileManager.default.fileExists(atPath: path) { return path }
        let bytes: [UInt8]
        switch kind {
        case .tfdtJump(let ticks):
            bytes = try rewritingDecodeTimes(try baseMP4(in: directory), from: firstRewrittenFragment) { $0 &+ ticks }
        case .tfdtBackwards(let ticks):
            bytes = try rewritingDecodeTimes(try baseMP4(in: directory), from: firstRewrittenFragment) {
                $0 >= ticks ? $0 - ticks : 0
            }
        case .tfdtNegative:
            bytes = try rewritingDecodeTimes(try baseMP4(in: directory), from: firstRewrittenFragment) {
                $0 &+ UInt64(bitPattern: -(Int64(1) << 62))
            }
        case .mdhdDuration(let ticks):
            bytes = try declaringTrackDuration(try baseMP4(in: directory), ticks: ticks)
        case .xingFrames(let frames):
            bytes = try rewritingXing(try baseMP3(in: directory), frames: frames, byteCount: nil)
        case .xingBytes(let count):
            bytes = try rewritingXing(try baseMP3(in: directory), frames: nil, byteCount: count)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: - The untouched files

    /// The fragmented AAC MP4 every MP4 case starts from (made once per folder).
    public static func baseMP4(in directory: URL) throws -> [UInt8] {
        let path = directory.appendingPathComponent("crafted-base.mp4").path
        if !FileManager.default.fileExists(atPath: path) {
            let made = directory.appendingPathComponent("crafted-base-ffmpeg.mp4").path
            let result = try ToolProcess.run(
                "ffmpeg",
                [
                    "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=\(aacTimescale):duration=\(seconds)",
                    "-c:a", "aac", "-b:a", "96k", "-f", "mp4",
                    "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000", made,
                ])
            guard result.status == 0 else { throw ToolFailure(command: "ffmpeg fragmented AAC", stderr: result.stderrText) }
            // Without the trailing `mfra` (a seek index with absolute offsets and its own times), the
            // `tfdt` boxes are the only source of decode times and the box tree may grow.
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: made)))
            let top = try ISOBox.boxes(in: bytes, range: 0..<bytes.count)
            let kept = top.last?.type == "mfra" ? Array(bytes[..<top.last!.offset]) : bytes
            try Data(kept).write(to: URL(fileURLWithPath: path))
        }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The VBR MP3 (LAME, Xing header, 44.1 kHz mono) every MP3 case starts from (made once per folder).
    public static func baseMP3(in directory: URL) throws -> [UInt8] {
        let path = directory.appendingPathComponent("crafted-base.mp3").path
        if !FileManager.default.fileExists(atPath: path) {
            let result = try ToolProcess.run(
                "ffmpeg",
                [
                    "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=44100:duration=\(seconds)", "-c:a", "libmp3lame", "-q:a", "4",
                    path,
                ])
            guard result.status == 0 else { throw ToolFailure(command: "ffmpeg VBR MP3", stderr: result.stderrText) }
        }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    // MARK: - Surgery

    /// The `tfdt` baseMediaDecodeTime of each fragment (`moof`→`traf`→`tfdt`), in file order.
    public static func decodeTimes(of bytes: [UInt8]) throws -> [UInt64] {
        try tfdtBoxes(in: bytes).map { box in
            let version = bytes[box.payloadOffset]
            return version == 1
                ? ISOBox.readU64(bytes, at: box.payloadOffset + 4) : UInt64(ISOBox.readU32(bytes, at: box.payloadOffset + 4))
        }
    }

    /// `bytes` with the `tfdt` of every fragment from `from` (0-based) on set to `transform(old)`.
    /// A version-0 (32-bit) `tfdt` is rewritten in place when the new time fits in 32 bits; FFmpeg
    /// writes version 1 (64-bit), so a larger value in a version-0 box is refused rather than resized.
    public static func rewritingDecodeTimes(
        _ bytes: [UInt8], from: Int, _ transform: (UInt64) -> UInt64
    ) throws -> [UInt8] {
        var out = bytes
        let boxes = try tfdtBoxes(in: bytes)
        guard boxes.count > from else {
            throw ToolFailure(command: "rewritingDecodeTimes", stderr: "only \(boxes.count) fragments")
        }
        for box in boxes[from...] {
            let field = box.payloadOffset + 4
            switch bytes[box.payloadOffset] {
            case 1:
                ISOBox.write(transform(ISOBox.readU64(bytes, at: field)), width: 8, into: &out, at: field)
            case 0:
                let new = transform(UInt64(ISOBox.readU32(bytes, at: field)))
                guard new <= UInt64(UInt32.max) else {
                    throw ToolFailure(command: "rewritingDecodeTimes", stderr: "a version-0 tfdt cannot hold \(new)")
                }
                ISOBox.write(new, width: 4, into: &out, at: field)
            case let version:
                throw ToolFailure(command: "rewritingDecodeTimes", stderr: "tfdt version \(version)")
            }
        }
        return out
    }

    /// `bytes` with every track's `mdhd` declaring a duration of `ticks`: the box is rewritten as version 1
    /// (64-bit times; 12 bytes longer) and `moov`, `trak` and `mdia` grow with it. Only for a fragmented
    /// file whose data offsets count from their `moof` (what `baseMP4` makes): the bytes after `moov`
    /// move, and nothing points at them by absolute offset.
    public static func declaringTrackDuration(_ bytes: [UInt8], ticks: UInt64) throws -> [UInt8] {
        for traf in try boxes(in: bytes, path: ["moof", "traf"]) {
            let tfhd = try traf.children(in: bytes).first { $0.type == "tfhd" }
            if let tfhd, ISOBox.readU32(bytes, at: tfhd.payloadOffset) & 1 != 0 {
                throw ToolFailure(command: "declaringTrackDuration", stderr: "a tfhd with an absolute base data offset")
            }
        }
        return try rebuild(bytes, range: 0..<bytes.count) { box in
            guard box.type == "mdhd" else { return nil }
            let p = box.payloadOffset
            let version = bytes[p]
            // version 0: u32 creation, u32 modification, u32 timescale, u32 duration; version 1: u64, u64, u32, u64.
            let creation = version == 1 ? ISOBox.readU64(bytes, at: p + 4) : UInt64(ISOBox.readU32(bytes, at: p + 4))
            let modification = version == 1 ? ISOBox.readU64(bytes, at: p + 12) : UInt64(ISOBox.readU32(bytes, at: p + 8))
            let timescale = ISOBox.readU32(bytes, at: version == 1 ? p + 20 : p + 12)
            let rest = Array(bytes[(version == 1 ? p + 32 : p + 20)..<box.end])
            var payload: [UInt8] = [1] + bytes[(p + 1)..<(p + 4)]
            payload += [UInt8](repeating: 0, count: 28)
            ISOBox.write(creation, width: 8, into: &payload, at: 4)
            ISOBox.write(modification, width: 8, into: &payload, at: 12)
            ISOBox.write(UInt64(timescale), width: 4, into: &payload, at: 20)
            ISOBox.write(ticks, width: 8, into: &payload, at: 24)
            return payload + rest
        }
    }

    /// `bytes` with the Xing/Info header (in the first MPEG audio frame) counting `frames` frames and
    /// `byteCount` bytes where given. The header must carry the field (its flags say which it does).
    public static func rewritingXing(_ bytes: [UInt8], frames: UInt32?, byteCount: UInt32?) throws -> [UInt8] {
        // The tag sits in the first frame, after its side information: within the first few KiB
        // (past an ID3v2 tag when there is one).
        let window = Array(bytes.prefix(16 << 10))
        guard let at = [Array("Xing".utf8), Array("Info".utf8)].compactMap({ tag in
            (0..<(window.count - 16)).first { window[$0..<($0 + 4)].elementsEqual(tag) }
        }).first else {
            throw ToolFailure(command: "rewritingXing", stderr: "no Xing/Info header")
        }
        let flags = ISOBox.readU32(bytes, at: at + 4)
        var out = bytes
        if let frames {
            guard flags & 1 != 0 else { throw ToolFailure(command: "rewritingXing", stderr: "no frame count field") }
            ISOBox.write(UInt64(frames), width: 4, into: &out, at: at + 8)
        }
        if let byteCount {
            guard flags & 2 != 0 else { throw ToolFailure(command: "rewritingXing", stderr: "no byte count field") }
            ISOBox.write(UInt64(byteCount), width: 4, into: &out, at: at + (flags & 1 != 0 ? 12 : 8))
        }
        return out
    }

    // MARK: - What ffprobe reads from a file

    /// The audio packets' decode times ffprobe reads (time base ticks), in order.
    public static func probedDecodeTimes(_ path: String) throws -> [Int64] {
        let result = try ToolProcess.run(
            "ffprobe", ["-v", "error", "-select_streams", "a:0", "-show_entries", "packet=dts", "-of", "csv=p=0", path])
        guard result.status == 0 else { throw ToolFailure(command: "ffprobe \(path)", stderr: result.stderrText) }
        return result.stdoutText.split(separator: "\n").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The audio stream's `duration_ts` and `bit_rate` as ffprobe reads them (nil when it reports none).
    public static func probedAudioStream(_ path: String) throws -> (durationTicks: Int64?, bitRate: Int64?) {
        let result = try ToolProcess.run(
            "ffprobe",
            ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=duration_ts,bit_rate", "-of", "json", path])
        guard result.status == 0,
            let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
            let stream = (json["streams"] as? [[String: Any]])?.first
        else { throw ToolFailure(command: "ffprobe \(path)", stderr: result.stderrText) }
        func number(_ key: String) -> Int64? {
            (stream[key] as? NSNumber)?.int64Value ?? (stream[key] as? String).flatMap { Int64($0) }
        }
        return (number("duration_ts"), number("bit_rate"))
    }

    // MARK: - Box tree

    private static func tfdtBoxes(in bytes: [UInt8]) throws -> [ISOBox] {
        let found = try boxes(in: bytes, path: ["moof", "traf", "tfdt"])
        guard !found.isEmpty else { throw ToolFailure(command: "tfdtBoxes", stderr: "no moof/traf/tfdt box") }
        return found
    }

    /// Every box reached by following `path` from the top level, in file order.
    private static func boxes(in bytes: [UInt8], path: [String]) throws -> [ISOBox] {
        var level = try ISOBox.boxes(in: bytes, range: 0..<bytes.count).filter { $0.type == path[0] }
        for type in path.dropFirst() {
            level = try level.flatMap { try $0.children(in: bytes) }.filter { $0.type == type }
        }
        return level
    }

    /// Container boxes `rebuild` descends into.
    private static let containers: Set<String> = ["moov", "trak", "mdia", "minf", "stbl", "edts", "mvex", "moof", "traf"]

    /// `bytes[range]` with each box `replace` gives a new payload for rewritten, and every container
    /// resized around it (32-bit sizes; the header is rewritten as 8 bytes).
    private static func rebuild(
        _ bytes: [UInt8], range: Range<Int>, _ replace: (ISOBox) throws -> [UInt8]?
    ) throws -> [UInt8] {
        var out: [UInt8] = []
        for box in try ISOBox.boxes(in: bytes, range: range) {
            let payload: [UInt8]
            if let replaced = try replace(box) {
                payload = replaced
            } else if containers.contains(box.type) {
                payload = try rebuild(bytes, range: box.payloadOffset..<box.end, replace)
            } else {
                out += bytes[box.offset..<box.end]
                continue
            }
            var header = [UInt8](repeating: 0, count: 8)
            ISOBox.write(UInt64(8 + payload.count), width: 4, into: &header, at: 0)
            header.replaceSubrange(4..<8, with: Array(box.type.utf8))
            out += header + payload
        }
        return out
    }
}
