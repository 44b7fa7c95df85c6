import Audio
import Broadcast
import BroadcastTesting
import Foundation
import Media
import XCTest
import TestSupport

/// Media for the playback-engine tests, made with the ffmpeg CLI (through scripts/make-media.sh)
/// into a temp folder once per test process, cut by Media's fragmenter and passed through the wire
/// format, with the reference PCM of the whole file from `ffmpeg -f s16le -ar 48000 -ac 2`.
enum PlaybackMedia {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The temp folder holding this process's media.
    static let directory = ScratchDirectory.forProcess(prefix: "raftcast-playback-tests")

    /// A stream as the engine receives it, and what it must sound like.
    struct Stream {
        var path: String
        var header: StreamHeader
        var fragments: [Fragment]
        /// The whole file decoded by the ffmpeg CLI: interleaved s16 48 kHz stereo.
        var reference: [Int16]
        var frameCount: Int { reference.count / 2 }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: Stream] = [:]

    /// `kind` (a make-media.sh kind) lasting `seconds`, fragmented at 2 s.
    static func stream(_ kind: String, seconds: Int = 20) throws -> Stream {
        lock.lock()
        defer { lock.unlock() }
        let key = "\(kind)-\(seconds)"
        if let stream = cache[key] { return stream }
        let suffix = kind == "m4a" ? "m4a" : kind.hasPrefix("mp4") ? "mp4" : "mp3"
        let url = directory.appendingPathComponent("\(key).\(suffix)")
        if !FileManager.default.fileExists(atPath: url.path) {
            let result = try ToolProcess.run(
                repositoryRoot.appendingPathComponent("scripts/make-media.sh").path, [kind, String(seconds), url.path])
            guard result.status == 0 else { throw ToolFailure(command: "make-media.sh \(kind)", stderr: result.stderrText) }
        }
        let stream = try load(url.path)
        cache[key] = stream
        return stream
    }

    /// Cuts `path` into 2 s fragments (through their wire format) and decodes it with ffmpeg.
    static func load(_ path: String, fragmentSeconds: Double = 2.0, withReference: Bool = true) throws -> Stream {
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: fragmentSeconds)
        var fragments: [Fragment] = []
        while let fragment = try fragmenter.next() { fragments.append(try Fragment(decoding: fragment.encoded())) }
        let header = try StreamHeader(decoding: source.header.encoded())
        var reference: [Int16] = []
        if withReference {
            let result = try ToolProcess.run(
                "ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "s16le", "-ar", "48000", "-ac", "2", "-"])
            guard result.status == 0 else { throw NSError(domain: "ffmpeg", code: Int(result.status)) }
            reference = littleEndianSamples(result.stdout)
        }
        return Stream(path: path, header: header, fragments: fragments, reference: reference)
    }

    /// s16le bytes as samples.
    static func littleEndianSamples(_ data: Data) -> [Int16] {
        data.withUnsafeBytes { bytes in
            (0..<bytes.count / 2).map { Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
        }
    }

    /// A scratch path in the temp folder.
    static func scratch(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// An engine on a manual clock with a perfect cluster clock (cluster time = local time: this node
/// defined the timeline), fed fragments on a schedule.
final class PlaybackHarness {
    let clock: ManualClock
    let engine: PlaybackEngine
    let media: PlaybackMedia.Stream
    let timeline: StreamTimeline
    let streamID: StreamID = 0x51

    /// A harness whose stream's sample 0 is due `startIn` after now (negative: already under way).
    init(
        media: PlaybackMedia.Stream, sink: any AudioSink, startIn: Duration, clock: ManualClock = ManualClock(start: .seconds(1_000)),
        playLogDirectory: String? = nil, configuration: PlaybackEngine.Configuration = .init(node: "n1")
    ) throws {
        self.clock = clock
        self.media = media
        var clusterClock = ClusterClock()
        XCTAssertEqual(clusterClock.becomeLeader(at: clock.now), .defined)
        let now = try XCTUnwrap(clusterClock.clusterTime(at: clock.now))
        timeline = StreamTimeline(start: now + startIn, sampleRate: 48_000)
        engine = try PlaybackEngine(
            sink: sink, clock: clock, clusterClock: clusterClock, playLogDirectory: playLogDirectory,
            configuration: configuration)
        try engine.streamStarted(header: media.header, timeline: timeline, streamID: streamID)
    }

    /// The local time at which stream second `seconds` is due (cluster time = local time).
    func localTime(ofStreamSecond seconds: Double) -> Duration {
        .nanoseconds(timeline.start.nanoseconds) + .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Commits `indices` (the last one also ends the stream).
    func deliver(_ indices: some Sequence<Int>) {
        for index in indices {
            engine.fragmentCommitted(streamID: streamID, index: index, fragment: media.fragments[index])
            if index == media.fragments.count - 1 {
                engine.streamEnded(streamID: streamID, fragmentCount: media.fragments.count)
            }
        }
    }

    /// Runs the engine, committing each group of fragments at its local time, then until `end`.
    func play(schedule: [(at: Duration, fragments: [Int])], until end: Duration) throws {
        for delivery in schedule.sorted(by: { $0.at < $1.at }) {
            try engine.run(until: delivery.at)
            deliver(delivery.fragments)
        }
        try engine.run(until: end)
    }

    /// The end of the stream plus a margin, in local time.
    var afterTheEnd: Duration { localTime(ofStreamSecond: Double(media.frameCount) / 48_000 + 0.5) }

    /// Where fragment `index`'s first audio sample lies on the 48 kHz output timeline (as the decoder
    /// rounds it).
    func firstSample(ofFragment index: Int) throws -> Int {
        if index == 0 { return 0 }
        let audio = media.header.audio
        let pts = try XCTUnwrap(media.fragments[index].packets(of: .audio).first?.pts)
        let numerator = (pts - audio.startPTS) * Int64(audio.timeBase.numerator) * 48_000
        return Int((numerator + Int64(audio.timeBase.denominator) - 1) / Int64(audio.timeBase.denominator))
    }
}

/// Compares captured audio with the reference and names the first difference.
func assertSamplesEqual(
    _ actual: ArraySlice<Int16>, _ expected: ArraySlice<Int16>, _ what: String, file: StaticString = #filePath,
    line: UInt = #line
) {
    XCTAssertEqual(actual.count / 2, expected.count / 2, "\(what): frame count", file: file, line: line)
    let count = min(actual.count, expected.count)
    let a = actual.startIndex
    let e = expected.startIndex
    if let index = (0..<count).first(where: { actual[a + $0] != expected[e + $0] }) {
        XCTFail("\(what): first difference at frame \(index / 2) of \(expected.count / 2)", file: file, line: line)
    }
}

/// A sound card simulated on true time (``SimulatedSoundCard``), as an ``AudioSink`` that plays in
/// real time: its delay is what the card has not played at the clock's now. The engine's action
/// observer tells it which stream sample each written frame carries.
final class SimulatedCardSink: AudioSink {
    let card: SimulatedSoundCard
    let clock: ManualClock
    let format = AudioFormat.standard
    let name = "simulated card"
    /// Every frame written, interleaved.
    private(set) var samples: [Int16] = []
    private var pendingTags: [Int64] = []

    init(card: SimulatedSoundCard, clock: ManualClock) {
        self.card = card
        self.clock = clock
    }

    var pacesInRealTime: Bool { true }
    var delayFrames: Int {
        card.advance(to: clock.now)
        return card.delay
    }

    /// Tells the sink what the next write carries.
    func observe(_ action: PlayoutAction) {
        switch action {
        case .play(let chunk): pendingTags = PlayoutSimulation.frames(of: chunk)
        case .silence(let frames, _): pendingTags = Array(repeating: SimulatedSoundCard.silence, count: frames)
        default: break
        }
    }

    func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        let frames = samples.count / 2
        precondition(frames == pendingTags.count, "a write the observer did not announce")
        card.write(pendingTags, at: clock.now)
        pendingTags = []
        self.samples.append(contentsOf: samples)
    }

    func drain() throws {}
    func close() throws {}
}

/// A sink that plays instantly and keeps only a count (for long streams).
final class CountingSink: AudioSink {
    let format = AudioFormat.standard
    let name = "counting"
    private(set) var framesWritten = 0
    var pacesInRealTime: Bool { false }
    var delayFrames: Int { 0 }

    func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        framesWritten += samples.count / 2
    }

    func drain() throws {}
    func close() throws {}
}
