import ArgumentParser
import Foundation
import Media
import SystemIO

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
            let baseline = ProcessMemory.current()
            let source = try MediaSource(path: file)
            let opened = ProcessMemory.current()
            let fragmenter = try source.fragments(targetSeconds: fragmentSeconds)
            var count = 0
            var bytes = 0
            var packets = 0
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try writeFile(out + "/header.rcsh", source.header.encoded())
            while let fragment = try fragmenter.next() {
                let record = fragment.encoded()
                try writeFile(out + "/" + String(format: "fragment-%06d.rcfg", fragment.index), record)
                count += 1
                bytes += record.count
                packets += fragment.packets.count
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            print(
                String(format: "fragment: %d fragments, %d packets, %d bytes in %.3f s", count, packets, bytes, seconds)
            )
            print("memory: before open \(baseline), after open \(opened), at end \(ProcessMemory.current())")
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
            var pcm = PCMBuffer(format: decoder.output)
            while let fragment = try fragmenter.next() {
                pcm.samples.removeAll(keepingCapacity: true)
                decoder.decode(fragment, into: &pcm)
                frames += pcm.frameCount
                if let last = pcm.samples.last { checksum &+= UInt64(UInt16(bitPattern: last)) }
            }
            frames += decoder.finish().frameCount
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            print(
                String(
                    format: "decode: %d frames (%.1f s of audio) in %.3f s [%llu]", frames, Double(frames) / 48000,
                    seconds, checksum))
        }
    }
}

/// Writes `bytes` to a new file with plain POSIX calls: no fsync, as the
/// reference (`ffmpeg -f segment`) does not sync either.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw ValidationError("cannot create \(path): errno \(errno)") }
    defer { close(fd) }
    if let code = bytes.withUnsafeBytes({ FileDescriptorWrite.all($0, to: fd) }) {
        throw ValidationError("cannot write \(path): \(String(cString: strerror(code)))")
    }
}

/// The process's memory figures from /proc/self/status (Linux), in MiB.
struct ProcessMemory: CustomStringConvertible {
    var rss = 0.0
    var peakRSS = 0.0
    var anonymous = 0.0

    static func current() -> ProcessMemory {
        var m = ProcessMemory()
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return m }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let kib = Double(parts[1].trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") ?? 0
            switch parts[0] {
            case "VmRSS": m.rss = kib / 1024
            case "VmHWM": m.peakRSS = kib / 1024
            case "RssAnon": m.anonymous = kib / 1024
            default: break
            }
        }
        return m
    }

    var description: String {
        String(format: "RSS %.1f MiB (peak %.1f, anonymous %.1f)", rss, peakRSS, anonymous)
    }
}
