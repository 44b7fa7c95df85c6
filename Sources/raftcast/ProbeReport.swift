import Foundation
import Media

/// The `raftcast probe --json` document. Key names are stable (documented in
/// docs/media-format.md); keys are sorted in the output.
struct ProbeReport: Encodable {
    struct Stream: Encodable {
        var type: String
        var codec: String
        var time_base: String
        var bit_rate: Int64?
        var sample_rate: Int?
        var channels: Int?
        var channel_layout: String?
        var width: Int?
        var height: Int?
        var duration_seconds: Double?
    }

    struct FragmentRow: Encodable {
        var index: Int
        var start_seconds: Double
        var duration_seconds: Double
        var bytes: Int
        var packets: Int
        var audio_packets: Int
        var video_packets: Int
        var starts_with_keyframe: Bool
    }

    var file: String
    var container: String
    var duration_seconds: Double?
    var fragment_seconds: Double
    var streams: [Stream]
    var fragments: [FragmentRow]
    var warnings: [String]

    init(file: String, source: MediaSource, plan: FragmentPlan) {
        self.file = file
        container = source.header.containerName
        duration_seconds = source.durationSeconds.map(Self.rounded)
        fragment_seconds = plan.targetSeconds
        streams = ([source.header.audio] + (source.header.video.map { [$0] } ?? [])).map(Stream.init)
        fragments = plan.entries.map {
            FragmentRow(
                index: $0.index, start_seconds: Self.rounded($0.startSeconds),
                duration_seconds: Self.rounded($0.durationSeconds), bytes: $0.bytes, packets: $0.packetCount,
                audio_packets: $0.audioPacketCount, video_packets: $0.videoPacketCount,
                starts_with_keyframe: $0.startsWithKeyframe)
        }
        warnings = plan.warnings.map(\.message)
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Seconds to the microsecond, so the JSON does not print binary noise.
    static func rounded(_ seconds: Double) -> Double { (seconds * 1_000_000).rounded() / 1_000_000 }

    /// The human-readable report: streams, then the fragment table.
    static func table(file: String, source: MediaSource, plan: FragmentPlan) -> String {
        var out = "file: \(file)\n"
        let duration = source.durationSeconds.map { String(format: "%.3f s", $0) } ?? "unknown"
        out += "container: \(source.header.containerName), duration \(duration)\n"
        out += "streams:\n"
        for track in [source.header.audio] + (source.header.video.map { [$0] } ?? []) {
            out += "  " + describe(track) + "\n"
        }
        let total = plan.entries.reduce(0) { $0 + $1.bytes }
        out += String(
            format: "fragments: %d (target %.3f s, %d bytes in all)\n", plan.entries.count, plan.targetSeconds, total)
        out += "  index   start (s)  duration (s)       bytes  packets  keyframe\n"
        for e in plan.entries {
            out += String(
                format: "  %5d  %10.3f  %12.3f  %10d  %7d  %@\n", e.index, e.startSeconds, e.durationSeconds, e.bytes,
                e.packetCount, e.startsWithKeyframe ? "yes" : "no")
        }
        return out
    }

    private static func describe(_ track: TrackInfo) -> String {
        var parts = ["\(track.kind)", track.codecName]
        switch track.kind {
        case .audio:
            parts.append("\(track.sampleRate) Hz")
            parts.append("\(track.channelCount) ch (\(track.channelLayoutName))")
        case .video:
            parts.append("\(track.width)x\(track.height)")
        }
        if track.bitRate > 0 { parts.append("\(track.bitRate / 1000) kb/s") }
        parts.append("time base \(track.timeBase)")
        return parts.joined(separator: "  ")
    }
}

extension ProbeReport.Stream {
    init(_ track: TrackInfo) {
        type = "\(track.kind)"
        codec = track.codecName
        time_base = track.timeBase.description
        bit_rate = track.bitRate > 0 ? track.bitRate : nil
        duration_seconds = track.durationSeconds.map(ProbeReport.rounded)
        switch track.kind {
        case .audio:
            sample_rate = Int(track.sampleRate)
            channels = Int(track.channelCount)
            channel_layout = track.channelLayoutName
        case .video:
            width = Int(track.width)
            height = Int(track.height)
        }
    }
}
