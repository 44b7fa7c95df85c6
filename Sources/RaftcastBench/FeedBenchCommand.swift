import ArgumentParser
import Audio
import Broadcast
import Foundation
import Media

/// `raftcast-bench feed FILE`: the CPU a playing follower spends per committed fragment between the log
/// and the playback engine — decoding the catalogue entry, the catalogue's apply (which decodes and checks
/// the fragment record) and the feed handing the fragment to the engine — with one decode per fragment
/// (this build) and with the second decode the feed made before issue 14 (`before`: the same path plus
/// `Fragment(decoding:)` of the entry's record, as `PlaybackFeed` did at ef2171e). Rounds alternate
/// between the two; the engine takes the fragments and is not pumped (its audio decoding is the same
/// either way and measured by `raftcast-bench playback`).
struct FeedBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "CPU per committed fragment of catalogue apply + playback feed: one decode (now) against two (before)."
    )

    @Argument(help: "An MP3, M4A or MP4 file.")
    var file: String

    @Option(help: "Fragment length in seconds.")
    var fragmentSeconds = 2.0

    @Option(help: "Rounds per path (alternating; the median is reported).")
    var rounds = 9

    /// The one stream the benchmark commits.
    static let streamID: StreamID = 0xfeed

    /// A sink that is never written (the engine is not pumped).
    final class IdleSink: AudioSink {
        let format = AudioFormat.standard
        let name = "idle"
        var pacesInRealTime: Bool { false }
        var delayFrames: Int { 0 }
        func write(_ samples: UnsafeBufferPointer<Int16>) throws {}
        func drain() throws {}
        func close() throws {}
    }

    /// An event source the feed never reads (replay is not measured).
    final class NoRecords: NodeEventSource {
        func subscribe(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (catalogue: Catalogue, leader: String?, term: UInt64) {
            (Catalogue(), nil, 0)
        }
        func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8] { throw ValidationError("not read") }
    }

    func run() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be at least 1") }
        let source = try MediaSource(path: file)
        let fragmenter = try source.fragments(targetSeconds: fragmentSeconds)
        var fragments: [Fragment] = []
        while let fragment = try fragmenter.next() { fragments.append(fragment) }
        guard !fragments.isEmpty else { throw ValidationError("\(file) has no fragments") }
        let start = CatalogueStreamStart(
            id: Self.streamID, name: "bench", source: CatalogueSource(fileName: "bench", size: 1, sha256: [UInt8](repeating: 1, count: 32)),
            headerRecord: source.header.encoded(), startClusterTime: ClusterTime(nanoseconds: 1_000_000_000_000),
            fragmentSeconds: fragmentSeconds, expectedFragmentCount: fragments.count, isPaced: false)
        let payloads = fragments.map { CatalogueEntry.fragment(stream: Self.streamID, index: $0.index, record: $0.encoded()[...]).encoded() }
        let recordBytes = payloads.reduce(0) { $0 + $1.count - CatalogueEntry.fragmentRecordOffset }

        var now: [Double] = []
        var before: [Double] = []
        var decodeAlone: [Double] = []
        for _ in 0..<rounds {
            now.append(try measure(start: start, payloads: payloads, secondDecode: false))
            before.append(try measure(start: start, payloads: payloads, secondDecode: true))
            decodeAlone.append(try Self.threadCPU {
                for payload in payloads { _ = try Fragment(decoding: payload[CatalogueEntry.fragmentRecordOffset...]) }
            })
        }
        let count = Double(fragments.count)
        func perFragment(_ values: [Double]) -> Double { values.sorted()[values.count / 2] / count * 1e6 }
        print(String(format: "file: %@ (%@, %d fragments of %.1f s, %.1f KB per record on average); %d rounds, median",
                     file, source.header.audio.codecName, fragments.count, fragmentSeconds,
                     Double(recordBytes) / count / 1024, rounds))
        print(String(format: "apply + feed, one decode (now):        %7.1f µs CPU per fragment", perFragment(now)))
        print(String(format: "apply + feed, two decodes (before):    %7.1f µs CPU per fragment", perFragment(before)))
        print(String(format: "Fragment(decoding:) alone:             %7.1f µs CPU per fragment", perFragment(decodeAlone)))
        print(String(format: "saved: %.1f µs per fragment (%.0f %%)", perFragment(before) - perFragment(now),
                     (1 - perFragment(now) / perFragment(before)) * 100))
    }

    /// Thread CPU seconds of one pass: a fresh catalogue and engine, the stream start, then every fragment
    /// entry decoded, applied and fed.
    private func measure(start: CatalogueStreamStart, payloads: [[UInt8]], secondDecode: Bool) throws -> Double {
        var catalogue = Catalogue()
        var clusterClock = ClusterClock()
        let clock = ManualClock(start: .seconds(1_000))
        _ = clusterClock.becomeLeader(at: clock.now)
        let engine = try PlaybackEngine(
            sink: IdleSink(), clock: clock, clusterClock: clusterClock, playLogDirectory: nil, configuration: .init(node: "bench"))
        var problems = 0
        let feed = PlaybackFeed(input: engine, events: NoRecords()) { _ in problems += 1 }
        feed.apply(.catalogue(catalogue.applyChange(entry: .streamStarted(start), at: 1, term: 1)))
        let seconds = try Self.threadCPU {
            for (offset, payload) in payloads.enumerated() {
                let entry = try CatalogueEntry(decoding: payload[...])
                var change = catalogue.applyChange(entry: entry, at: UInt64(offset + 2), term: 1)
                if secondDecode, case .fragment(_, _, let record) = entry {
                    // What the feed did before: the change carried the record, the feed decoded it again.
                    change.fragment = try Fragment(decoding: record)
                }
                feed.apply(.catalogue(change))
            }
        }
        guard problems == 0, engine.status.committedUndecodedFragments == payloads.count else {
            throw ValidationError("the engine did not take every fragment (\(problems) problems)")
        }
        return seconds
    }

    /// Thread CPU time of `body`, in seconds.
    private static func threadCPU(_ body: () throws -> Void) throws -> Double {
        var a = timespec()
        var b = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a)
        try body()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b)
        return Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) / 1e9
    }
}
