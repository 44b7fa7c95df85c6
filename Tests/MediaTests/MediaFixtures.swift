import Foundation
import XCTest
import TestSupport

/// Media files made by scripts/make-media.sh into a temp folder, once per test
/// process, and the real tools (ffprobe, ffmpeg) that give the references.
enum MediaFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let script = repositoryRoot.appendingPathComponent("scripts/make-media.sh").path

    /// The temp folder holding this process's fixtures.
    static let directory = ScratchDirectory.forProcess(prefix: "raftcast-media-tests")

    private static let lock = NSLock()

    /// Path of fixture `kind` (a make-media.sh kind) lasting `seconds`, made on first use.
    static func path(_ kind: String, seconds: Int = 10) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let ext = kind == "m4a" ? "m4a" : kind.hasPrefix("mp4") || kind.hasPrefix("long-mp4") ? "mp4" : "mp3"
        let url = directory.appendingPathComponent("\(kind)-\(seconds).\(ext)")
        if !FileManager.default.fileExists(atPath: url.path) {
            let result = try ToolProcess.run(script, [kind, String(seconds), url.path])
            guard result.status == 0 else {
                throw ToolFailure(command: "make-media.sh \(kind)", stderr: result.stderrText)
            }
        }
        return url.path
    }

    /// A scratch file path in the fixture folder.
    static func scratch(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// One packet as ffprobe reports it.
struct ProbePacket: Equatable {
    var pts: Int64?
    var dts: Int64?
    var duration: Int64
    var size: Int
    var isKeyframe: Bool
    var isDiscard: Bool
    var skipSamples: UInt32?
}

enum FFprobe {
    /// The packets of stream `index`, from `ffprobe -show_packets`.
    static func packets(_ path: String, streamIndex: Int) throws -> [ProbePacket] {
        let result = try ToolProcess.run(
            "ffprobe",
            [
                "-v", "error", "-select_streams", String(streamIndex), "-show_packets", "-show_entries",
                "packet=pts,dts,duration,size,flags:packet_side_data=skip_samples", "-of", "json", path,
            ])
        guard result.status == 0 else { throw NSError(domain: "ffprobe", code: Int(result.status)) }
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let list = json?["packets"] as? [[String: Any]] ?? []
        return list.map { p in
            let flags = p["flags"] as? String ?? ""
            let side = (p["side_data_list"] as? [[String: Any]])?.first
            return ProbePacket(
                pts: (p["pts"] as? NSNumber)?.int64Value, dts: (p["dts"] as? NSNumber)?.int64Value,
                duration: (p["duration"] as? NSNumber)?.int64Value ?? 0,
                size: Int(p["size"] as? String ?? "") ?? (p["size"] as? NSNumber)?.intValue ?? -1,
                isKeyframe: flags.contains("K"), isDiscard: flags.contains("D"),
                skipSamples: (side?["skip_samples"] as? NSNumber)?.uint32Value)
        }
    }

    /// Index of the first stream of `type` ("audio"/"video") without the
    /// attached-picture disposition.
    static func streamIndex(_ path: String, type: String) throws -> Int? {
        let result = try ToolProcess.run(
            "ffprobe",
            [
                "-v", "error", "-show_entries", "stream=index,codec_type:stream_disposition=attached_pic", "-of",
                "json", path,
            ])
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        for s in json?["streams"] as? [[String: Any]] ?? [] {
            let attached = ((s["disposition"] as? [String: Any])?["attached_pic"] as? NSNumber)?.intValue ?? 0
            if s["codec_type"] as? String == type, attached == 0 { return (s["index"] as? NSNumber)?.intValue }
        }
        return nil
    }
}

/// An audio stream's parameters as ffprobe reports them (after its
/// `avformat_find_stream_info`, which decodes frames to find them).
struct ProbeAudioStream: Equatable {
    var sampleRate: Int32
    var channels: Int32
    var channelLayout: String
    var sampleFormat: String
    var bitRate: Int64
    var timeBase: String
    var durationTS: Int64?
    var startPTS: Int64?
}

extension FFprobe {
    /// The first audio stream's parameters, from `ffprobe -show_streams`.
    static func audioStream(_ path: String) throws -> ProbeAudioStream {
        let result = try ToolProcess.run(
            "ffprobe",
            [
                "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=sample_rate,channels,channel_layout,sample_fmt,bit_rate,time_base,duration_ts,start_pts",
                "-of", "json", path,
            ])
        guard result.status == 0 else { throw NSError(domain: "ffprobe", code: Int(result.status)) }
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let s = try XCTUnwrap((json?["streams"] as? [[String: Any]])?.first, "no audio stream in \(path)")
        func number(_ key: String) -> Int64? {
            (s[key] as? NSNumber)?.int64Value ?? (s[key] as? String).flatMap { Int64($0) }
        }
        return ProbeAudioStream(
            sampleRate: Int32(number("sample_rate") ?? -1), channels: Int32(number("channels") ?? -1),
            channelLayout: s["channel_layout"] as? String ?? "", sampleFormat: s["sample_fmt"] as? String ?? "",
            bitRate: number("bit_rate") ?? 0, timeBase: s["time_base"] as? String ?? "",
            durationTS: number("duration_ts"), startPTS: number("start_pts"))
    }
}

enum FFmpegReference {
    /// `ffmpeg -i F -f s16le -ar 48000 -ac 2 -`: whole-file decoded PCM.
    static func pcm(_ path: String) throws -> [UInt8] {
        let result = try ToolProcess.run(
            "ffmpeg",
            ["-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "s16le", "-ar", "48000", "-ac", "2", "-"])
        guard result.status == 0 else { throw NSError(domain: "ffmpeg", code: Int(result.status)) }
        return [UInt8](result.stdout)
    }
}
