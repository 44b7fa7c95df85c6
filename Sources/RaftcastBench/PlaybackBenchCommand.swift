import ArgumentParser
import Audio
import Broadcast
import Foundation
import Media

/// `raftcast-bench playback FILE`: the playback engine's cost and memory over a whole file, beside
/// the decoder alone and the ffmpeg CLI decoding the same file to the same PCM in the same run.
///
/// The engine runs on a manual clock (no real sleeping) with a perfect cluster clock, into a sink
/// that only counts frames; every fragment is committed `--lead` seconds before its first sample is
/// due, as a leader ingesting ahead of the playout delay would.
struct PlaybackBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playback",
        abstract: "Playback-engine CPU time and memory over a file, beside the decoder alone and ffmpeg."
    )

    @Argument(help: "An MP3, M4A or MP4 file.")
    var file: String

    @Option(help: "Seconds before its first sample is due that each fragment is committed.")
    var lead = 1.5

    @Option(help: "Fragment length in seconds.")
    var fragmentSeconds = 2.0

    /// The one stream the benchmark plays.
    static let streamID: StreamID = 0xbe

    /// A sink that plays instantly and counts frames.
    final class CountingSink: AudioSink {
        let format = AudioFormat.standard
        let name = "counting"
        private(set) var framesWritten = 0
        var pacesInRealTime: Bool { false }
        var delayFrames: Int { 0 }
        func write(_ samples: UnsafeBufferPointer<Int16>) throws { framesWritten += samples.count / 2 }
        func drain() throws {}
        func close() throws {}
    }

    func run() throws {
        let wall = ContinuousClock()
        var fragments: [Fragment] = []
        let source = try MediaSource(path: file)
        let cutTime = try wall.measure {
            let fragmenter = try source.fragments(targetSeconds: fragmentSeconds)
            while let fragment = try fragmenter.next() { fragments.append(fragment) }
        }
        let header = source.header

        // The decoder alone, fragment after fragment.
        var decodedFrames = 0
        let decodeTime = try wall.measure {
            let decoder = try AudioDecoder(header: header)
            for fragment in fragments { decodedFrames += decoder.decode(fragment).frameCount }
            decodedFrames += decoder.finish().frameCount
        }
        let seconds = Double(decodedFrames) / 48_000

        // The engine.
        let clock = ManualClock(start: .seconds(1_000))
        var clusterClock = ClusterClock()
        _ = clusterClock.becomeLeader(at: clock.now)
        let sink = CountingSink()
        let engine = try PlaybackEngine(
            sink: sink, clock: clock, clusterClock: clusterClock, playLogDirectory: nil,
            configuration: .init(node: "bench"))
        guard let now = clusterClock.clusterTime(at: clock.now) else { throw ValidationError("no cluster time") }
        let start = now + .seconds(lead + 0.5)
        let timeline = StreamTimeline(start: start, sampleRate: 48_000)
        try engine.streamStarted(header: header, timeline: timeline, streamID: Self.streamID)
        let engineTime = try wall.measure {
            for (index, fragment) in fragments.enumerated() {
                let due = timeline.clusterTime(ofSample: Int64((fragment.startSeconds - fragments[0].startSeconds) * 48_000))
                try engine.run(until: .nanoseconds(due.nanoseconds) - .seconds(lead))
                engine.fragmentCommitted(streamID: Self.streamID, index: index, fragment: fragment)
            }
            engine.streamEnded(streamID: Self.streamID, fragmentCount: fragments.count)
            try engine.run(until: .nanoseconds(timeline.start.nanoseconds) + .seconds(seconds + 1))
        }
        let status = engine.status
        let counters = engine.counters
        guard status.state == .idle, counters.fragmentsDecoded == fragments.count else {
            throw ValidationError("the engine did not play the whole stream (\(status.state), \(counters.fragmentsDecoded) fragments)")
        }

        // The reference tool, same file, same output format.
        let ffmpegTime = try wall.measure {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "ffmpeg", "-nostdin", "-v", "error", "-i", file, "-map", "0:a:0", "-f", "s16le", "-ar", "48000", "-ac", "2",
                "-y", "/dev/null",
            ]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw ValidationError("ffmpeg failed on \(file)") }
        }

        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let engineSeconds = engineTime.seconds
        print(String(format: "file: %@ (%.1f s of audio, %@, %d fragments of %.1f s)", file, seconds,
                     header.audio.codecName, fragments.count, fragmentSeconds))
        print(String(format: "fragmenter: %.3f s", cutTime.seconds))
        print(String(format: "decoder alone (AudioDecoder, fragment after fragment): %.3f s", decodeTime.seconds))
        print(String(format: "engine (decode + schedule + write, %d frames written): %.3f s = %.0fx real time, %.2f ms per fragment",
                     sink.framesWritten, engineSeconds, seconds / engineSeconds, engineSeconds * 1e3 / Double(fragments.count)))
        print(String(format: "ffmpeg -f s16le -ar 48000 -ac 2 (whole process): %.3f s", ffmpegTime.seconds))
        print(String(format: "ratio engine / ffmpeg: %.2f   engine / decoder alone: %.2f",
                     engineSeconds / ffmpegTime.seconds, engineSeconds / decodeTime.seconds))
        print(String(format: "peak PCM buffered: %.2f s; stored: %.2f s (%d KB); undecoded fragments held: %d; max RSS: %d MB",
                     Double(counters.peakBufferedFrames) / 48_000, Double(counters.peakStoredSamples) / 96_000,
                     counters.peakStoredSamples * 2 / 1024, counters.peakHeldFragments, usage.ru_maxrss / 1024))
        print(String(format: "status: stalled %lld samples, %d underruns, %d hard resyncs", status.stalledSamples,
                     status.underruns, status.hardResyncs))
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
