import ArgumentParser
import Audio
import Foundation
import Media

/// `raftcast play FILE`: plays a media file the way a node plays a broadcast — cut into fragments,
/// decoded in order by one decoder, paced to real time, written to an ALSA device.
struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play a media file through its fragments on an ALSA device.",
        discussion: """
            The file is demuxed and cut into fragments exactly as the leader of a cluster cuts a \
            broadcast, then decoded fragment by fragment (one decoder kept across fragments) to \
            48 kHz stereo and played in real time.

            On a machine with no sound card, a device that needs one (default, hw:…, plughw:…) \
            is replaced by a WAV file (see --wav), and the player says so. Device names are ALSA's: \
            "default", "hw:0,0", "plughw:1", "null", or "file:FILE=/tmp/out.raw,FORMAT=raw".
            """
    )

    @Argument(help: "An MP3, MP4 or M4A file.")
    var file: String

    @Option(name: .long, help: "ALSA playback device.")
    var device: String = "default"

    @Option(name: .long, help: "Where to write the audio when there is no sound card (default: out/<name>.wav).")
    var wav: String?

    @Option(name: .long, help: "Fragment length in seconds, as the cluster would cut it.")
    var fragmentSeconds: Double = MediaSource.defaultFragmentSeconds

    @Flag(name: .long, help: "Write as fast as the device accepts instead of in real time.")
    var fast = false

    func run() throws {
        try CLIFailure.reporting {
            try MediaSource.validate(fragmentSeconds: fragmentSeconds, file: "--fragment-seconds")
            let source = try MediaSource(path: file)
            let fragmenter = try source.fragments(targetSeconds: fragmentSeconds)
            let decoder = try AudioDecoder(header: source.header, output: .standard, file: file)
            fragmenter.warningHandler = { Diagnostics.warning(subject: $0.file, message: $0.message) }
            decoder.warningHandler = { Diagnostics.warning(subject: $0.file, message: $0.message) }

            let format = AudioFormat(sampleRate: decoder.output.sampleRate, channels: decoder.output.channels)
            let fallback = try wav ?? defaultWAVPath()
            let output = try AudioOutput.open(device: device, format: format, fallbackWAV: fallback)
            if let notice = output.notice { Terminal.standardError.writeLine(notice) }
            defer { try? output.sink.close() }

            let clock = SystemMonotonicClock()
            let player = PacedPlayer(sink: output.sink, clock: clock)
            let total = source.durationSeconds
            let progress = Terminal.standardError
            var fragments = 0
            var frames = 0

            func play(_ pcm: PCMBuffer) throws {
                guard !pcm.samples.isEmpty else { return }
                if fast {
                    try output.sink.write(pcm.samples)
                } else {
                    try pcm.samples.withUnsafeBufferPointer { try player.write($0) }
                }
                frames += pcm.frameCount
            }

            while let fragment = try fragmenter.next() {
                try play(decoder.decode(fragment))
                fragments += 1
                let played = Double(frames) / Double(format.sampleRate)
                let of = total.map { String(format: " / %.1f", $0) } ?? ""
                progress.redraw(String(format: "playing %@  %.1f%@ s  fragment %d", file, played, of, fragments))
            }
            try play(decoder.finish())
            if fast { try output.sink.drain() } else { try player.finish() }
            if progress.isInteractive { progress.write("\n") }
            let seconds = Double(frames) / Double(format.sampleRate)
            Terminal.standardOutput.writeLine(
                String(format: "played %.2f s (%d fragments, %d frames) to %@", seconds, fragments, frames,
                       output.notice == nil ? device : fallback))
        }
    }

    /// `out/<file name without extension>.wav` under the current directory, creating `out/`.
    private func defaultWAVPath() throws -> String {
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let directory = "out"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CLIFailure.runtime(directory, "cannot create the folder for the WAV fallback: \(error.localizedDescription)")
        }
        return "\(directory)/\(name).wav"
    }
}
