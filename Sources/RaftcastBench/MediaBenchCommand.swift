import ArgumentParser
import Foundation
import Media

/// `raftcast-bench media fragment|decode FILE`: the Media module's work on one
/// file, timed; scripts/bench-media.sh runs it beside the ffmpeg CLI.
struct MediaBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Fragment or decode a media file and print how long it took.",
        subcommands: [Fragment.self, Decode.self]
    )

    /// Cuts the file into fragments, encodes each as its binary record and writes
    /// it to a file in --out (what a leader does before proposing entries).
    struct Fragment: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Demux, cut, encode and write fragment records.")

        @Argument(help: "The MP3, MP4 or M4A file.")
        var file: String

        @Option(help: "Directory for the fragment records (one file per fragment).")
        var out: String

        @Option(name: .customLong("fragment-seconds"), help: "Target fragment duration in seconds.")
        var fragmentSeconds: Double = MediaSource.defaultFragmentSeconds

        func run() throws {
            let start = DispatchTime.now()
            let source = try MediaSource(path: file)
            let fragmenter = try source.fragments(targetSeconds: fragmentSeconds)
            var count = 0
            var bytes = 0
            var packets = 0
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let header = source.header.encoded()
            try Data(header).write(to: URL(fileURLWithPath: out).appendingPathComponent("header.rcsh"))
            while let fragment = try fragmenter.next() {
                let record = fragment.encoded()
                let name = String(format: "fragment-%06d.rcfg", fragment.index)
                try Data(record).write(to: URL(fileURLWithPath: out).appendingPathComponent(name))
                count += 1
                bytes += record.count
                packets += fragment.packets.count
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            print(String(format: "fragment: %d fragments, %d packets, %d bytes in %.3f s", count, packets, bytes, seconds))
        }
    }

    /// Cuts the file into fragments and decodes them with one AudioDecoder to
    /// 48 kHz stereo s16, discarding the PCM.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Demux, cut and decode to 48 kHz stereo s16.")

        @Argument(help: "The MP3, MP4 or M4A file.")
        var file: String

        func run() throws {
            let start = DispatchTime.now()
            let source = try MediaSource(path: file)
            let fragmenter = try source.fragments()
            let decoder = try AudioDecoder(header: source.header, file: file)
            var frames = 0
            var checksum: UInt64 = 0
            while let fragment = try fragmenter.next() {
                let pcm = decoder.decode(fragment)
                frames += pcm.frameCount
                if let last = pcm.samples.last { checksum &+= UInt64(UInt16(bitPattern: last)) }
            }
            frames += decoder.finish().frameCount
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            print(String(format: "decode: %d frames (%.1f s of audio) in %.3f s [%llu]", frames, Double(frames) / 48000, seconds, checksum))
        }
    }
}
