import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// The programme end to end (issue 15, "What shows it"): three real `raftcast node` processes on loopback,
/// each playing into alsa-lib's `file` plugin, items sent with the real `raftcast ingest`, and every
/// capture compared with ffmpeg's own decodes of the files (`-f s16le -ar 48000 -ac 2`).
///
/// Item A is a 20 s MP3 at 44.1 kHz, item B a 15 s MP4 with AAC at 48 kHz (`-aac_pns 0`, so its decode
/// is bit-exact from any decoder). B queued behind A starts where A's declared length ends (for this MP3,
/// exactly its decode); B is the last item and plays its whole decode.
final class QueueClusterTests: XCTestCase {
    /// A file and ffmpeg's decode of it (interleaved s16le stereo at 48 kHz).
    struct Item {
        var path: String
        var reference: Data
        var frames: Int { reference.count / 4 }
    }

    static func itemA() throws -> Item { try item(kind: "mp3-cbr", seconds: 20, name: "queue-a.mp3") }
    static func itemB() throws -> Item { try item(kind: "mp4-aac48", seconds: 15, name: "queue-b.mp4") }

    private static func item(kind: String, seconds: Int, name: String) throws -> Item {
        let path = try ScriptMedia.make(kind: kind, seconds: seconds, name: name)
        return Item(path: path, reference: try ToolProcess.ffmpegPCM(path))
    }

    /// A started 3-node capturing cluster (shut down by a teardown block) and its captures' folder.
    private func startCluster() throws -> (LocalCluster, URL) {
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-queue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: captures) }
        let cluster = try LocalCluster.startCapturing(captures: captures)
        addTeardownBlock { cluster.shutdown() }
        return (cluster, captures)
    }

    /// `raftcast ingest FILE --config … --name NAME ARGUMENTS` in the background, stopped by a teardown block of `test`.
    static func startIngest(
        _ item: Item, name: String, _ arguments: [String] = [], cluster: LocalCluster, in test: XCTestCase
    ) throws -> BackgroundProcess {
        let ingest = try BackgroundProcess(
            try RaftcastExecutable.path(), ["ingest", item.path, "--config", cluster.configPath, "--name", name] + arguments,
            log: cluster.directory.appendingPathComponent("ingest-\(name).log").path)
        test.addTeardownBlock { ingest.stop() }
        return ingest
    }

    /// Node `id`'s `GET /v1/queue`, nil when it does not answer 200.
    static func queue(_ cluster: LocalCluster, _ id: String) -> QueueResource? {
        guard let response = try? cluster.http(id, "GET", "/v1/queue", authorized: false, timeout: .seconds(2)),
            response.status == 200
        else { return nil }
        return try? JSONDecoder().decode(QueueResource.self, from: Data(response.body))
    }

    /// Waits until every one of `nodes` has played the whole programme: nothing playing or upcoming, the
    /// engine idle. Returns each node's `/v1/playback` then.
    static func waitForPlayedOut(_ cluster: LocalCluster, _ nodes: [String], timeout: Duration) throws -> [String: [String: Any]] {
        try cluster.waitFor("\(nodes) played the programme out", timeout: timeout) { () -> [String: [String: Any]]? in
            var reports: [String: [String: Any]] = [:]
            for node in nodes {
                guard let queue = Self.queue(cluster, node), queue.playing == nil, queue.upcoming.isEmpty,
                    let playback = cluster.json(node, "/v1/playback"), playback["state"] as? String == "idle"
                else { return nil }
                reports[node] = playback
            }
            return reports
        }
    }

    /// Stops `nodes` with SIGTERM (their captures are closed) and reads their captures.
    static func stopAndReadCaptures(_ cluster: LocalCluster, _ nodes: [String], captures: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for node in nodes {
            let status = cluster.terminate(node, timeout: .seconds(10))
            XCTAssertEqual(status, 0, "\(node) exits cleanly\n\(cluster.logTails())")
            result[node] = try Data(contentsOf: captures.appendingPathComponent("\(node).raw"))
        }
        return result
    }

    /// Each capture is silence, then exactly `reference` (no frame inserted, dropped or changed), then silence.
    static func assertPlays(
        _ captures: [String: Data], exactly reference: Data, _ what: String, context: @autoclosure () -> String,
        allowingCorrections maxCorrections: Int = 0, file: StaticString = #filePath, line: UInt = #line
    ) {
        for (node, capture) in captures.sorted(by: { $0.key < $1.key }) {
            let alignment = PCMAlignment(capture: capture, reference: reference)
            let frames = reference.count / 4
            XCTAssertNotNil(alignment.offsetFrames, "\(node): \(what): the first sound is not in the capture", file: file, line: line)
            XCTAssertTrue(alignment.silentBefore, "\(node): sound before the first item", file: file, line: line)
            XCTAssertNil(
                alignment.breakFrame,
                "\(node): \(what): differs from frame \(alignment.breakFrame ?? -1) of \(frames) on (capture \(capture.count / 4) frames)\n\(context())",
                file: file, line: line)
            XCTAssertLessThanOrEqual(
                alignment.corrections, maxCorrections,
                "\(node): \(what): frames inserted before \(alignment.insertedBefore.prefix(5)), dropped \(alignment.dropped.prefix(5))",
                file: file, line: line)
            XCTAssertTrue(alignment.silentAfter, "\(node): sound after the last item", file: file, line: line)
            print("\(node): \(what) from capture frame \(alignment.offsetFrames ?? -1), \(frames) frames, bit-exact: \(alignment.isComplete && alignment.corrections == 0)")
        }
    }

    /// The test: A is ingested paced, as a user would; B is ingested while A plays and queues behind
    /// it; the leader is SIGKILLed in A's second half, while both ingests still run (each client resumes on
    /// the new leader by itself). Every survivor's capture is silence, A's decode immediately followed by B's,
    /// bit for bit, then silence.
    func testQueuedItemsPlayBackToBackBitExactThroughALeaderKill() throws {
        let a = try Self.itemA()
        let b = try Self.itemB()
        let (cluster, captures) = try startCluster()

        let ingestA = try Self.startIngest(a, name: "queue-a", cluster: cluster, in: self)
        let leader = try cluster.waitForLeader(among: cluster.ids)
        _ = try cluster.waitFor("A playing for 2 s", timeout: .seconds(20)) { () -> Bool? in
            guard let playing = Self.queue(cluster, leader)?.playing, playing.name == "queue-a" else { return nil }
            return (playing.positionSeconds ?? 0) >= 2 ? true : nil
        }
        let ingestB = try Self.startIngest(b, name: "queue-b", cluster: cluster, in: self)
        _ = try cluster.waitFor("every node queues B behind A", timeout: .seconds(10)) { () -> Bool? in
            cluster.ids.allSatisfy { node in
                guard let queue = Self.queue(cluster, node) else { return false }
                return queue.playing?.name == "queue-a" && queue.upcoming.map(\.name) == ["queue-b"]
            } ? true : nil
        }

        // A's second half (its timeline is 20 s); both ingests still run when the leader dies.
        let killed = try cluster.waitForLeader(among: cluster.ids)
        _ = try cluster.waitFor("A 10.5 s in", timeout: .seconds(20)) { () -> Bool? in
            guard let playing = Self.queue(cluster, killed)?.playing, playing.name == "queue-a" else { return nil }
            return (playing.positionSeconds ?? 0) >= 10.5 ? true : nil
        }
        XCTAssertTrue(ingestA.isRunning, "A's ingest still runs at the kill: \(ingestA.output)")
        XCTAssertTrue(ingestB.isRunning, "B's ingest still runs at the kill: \(ingestB.output)")
        cluster.kill9(killed)
        let survivors = cluster.ids.filter { $0 != killed }
        let successor = try cluster.waitForLeader(among: survivors)

        XCTAssertEqual(ingestA.wait(timeout: .seconds(40)), 0, "A: \(ingestA.output)\n\(cluster.logTails())")
        XCTAssertEqual(ingestB.wait(timeout: .seconds(40)), 0, "B: \(ingestB.output)\n\(cluster.logTails())")
        let reports = try Self.waitForPlayedOut(cluster, survivors, timeout: .seconds(40))
        for (node, playback) in reports {
            XCTAssertEqual(playback["hard_resyncs"] as? Int, 0, node)
            XCTAssertEqual(playback["stalled_samples"] as? Int, 0, node)
            XCTAssertEqual(playback["drift_correction_frames"] as? Int, 0, node)
        }
        let played = try Self.stopAndReadCaptures(cluster, survivors, captures: captures)
        Self.assertPlays(
            played, exactly: a.reference + b.reference, "A then B (\(killed) killed, \(successor) took over)",
            context: cluster.logTails(lines: 30))
    }

    /// A skip while A plays (B queued): every node cuts A at the same sample, the end of one of A's
    /// fragments, and plays B from there.
    func testSkipCutsThePlayingItemAtTheSameFragmentBoundaryOnEveryNode() throws {
        let a = try Self.itemA()
        let b = try Self.itemB()
        let (cluster, captures) = try startCluster()
        for (item, name) in [(a, "queue-a"), (b, "queue-b")] {
            let run = try RaftcastExecutable.run(["ingest", item.path, "--config", cluster.configPath, "--name", name, "--fast"], timeout: 60)
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderrText)\n\(cluster.logTails())")
        }
        let leader = try waitForAPlaying(cluster, seconds: 3, upcoming: ["queue-b"])
        let skip = try cluster.http(leader, "POST", "/v1/queue/skip")
        XCTAssertEqual(skip.status, 200, skip.text)
        let answer = try JSONDecoder().decode(QueueResource.self, from: Data(skip.body))
        XCTAssertEqual(answer.playing?.name, "queue-a", skip.text)
        XCTAssertEqual(answer.playing?.cut, true, skip.text)
        try assertCutThenB(cluster, captures: captures, a: a, b: b)
    }

    /// `raftcast ingest B --now` while A plays: every node cuts A at the same sample, the end of one of A's
    /// fragments, and plays B from there.
    func testIngestNowCutsThePlayingItemAtTheSameFragmentBoundaryOnEveryNode() throws {
        let a = try Self.itemA()
        let b = try Self.itemB()
        let (cluster, captures) = try startCluster()
        let run = try RaftcastExecutable.run(["ingest", a.path, "--config", cluster.configPath, "--name", "queue-a", "--fast"], timeout: 60)
        XCTAssertEqual(run.status, 0, "A: \(run.stderrText)\n\(cluster.logTails())")
        _ = try waitForAPlaying(cluster, seconds: 3, upcoming: [])
        let ingestB = try Self.startIngest(b, name: "queue-b", ["--now", "--fast"], cluster: cluster, in: self)
        try assertCutThenB(cluster, captures: captures, a: a, b: b)
        XCTAssertEqual(ingestB.wait(timeout: .seconds(5)), 0, "B: \(ingestB.output)")
    }

    /// Waits until every node plays A with `upcoming` after it and the leader has played `seconds` of it;
    /// returns the leader.
    private func waitForAPlaying(_ cluster: LocalCluster, seconds: Double, upcoming: [String]) throws -> String {
        let leader = try cluster.waitForLeader(among: cluster.ids)
        _ = try cluster.waitFor("every node playing A, \(seconds) s in, then \(upcoming)", timeout: .seconds(20)) { () -> Bool? in
            let queues = cluster.ids.compactMap { Self.queue(cluster, $0) }
            guard queues.count == cluster.ids.count,
                queues.allSatisfy({ $0.playing?.name == "queue-a" && $0.upcoming.map(\.name) == upcoming }),
                let position = Self.queue(cluster, leader)?.playing?.positionSeconds, position >= seconds
            else { return nil }
            return true
        }
        return leader
    }

    /// A has just been cut (a skip, or B's interrupting start): every node's queue shows A cut after the
    /// same number of samples, at the end of one of A's fragments as `raftcast probe` cuts it, with B
    /// starting there; every capture is A's decode up to that sample, then B's whole decode; the captures'
    /// sound is the same on every node.
    private func assertCutThenB(_ cluster: LocalCluster, captures: URL, a: Item, b: Item) throws {
        let cuts = try cluster.waitFor("every node shows A cut, B next", timeout: .seconds(5)) { () -> [String: (Int, Int64, Int64)]? in
            var cuts: [String: (Int, Int64, Int64)] = [:]
            for node in cluster.ids {
                guard let queue = Self.queue(cluster, node), let playing = queue.playing, playing.name == "queue-a", playing.cut,
                    let seconds = playing.durationSeconds, let aStart = playing.startNs,
                    let next = queue.upcoming.first, next.name == "queue-b", let bStart = next.startNs
                else { return nil }
                cuts[node] = (Int((seconds * 48_000).rounded()), aStart, bStart)
            }
            return cuts
        }
        let cut = try XCTUnwrap(cuts.values.first?.0)
        for (node, (samples, aStart, bStart)) in cuts {
            XCTAssertEqual(samples, cut, "\(node): the same cut on every node")
            XCTAssertEqual(aStart, cuts.values.first?.1, "\(node): A's start")
            let end = Double(aStart) + Double(cut) * 1e9 / 48_000
            XCTAssertLessThan(abs(Double(bStart) - end), 1_000, "\(node): B starts where A's cut ends")
        }
        XCTAssertGreaterThan(cut, 0)
        XCTAssertLessThan(cut, a.frames, "A is cut short")
        let boundaries = try Self.fragmentBoundaries(a.path)
        // The decoder's output up to a fragment ends at its boundary rounded up (Programme.audioEndSample).
        XCTAssertTrue(
            boundaries.contains { Double(cut) >= $0 - 0.03 && Double(cut) < $0 + 1 },
            "cut after \(cut) samples, not at a fragment boundary \(boundaries)")

        let reports = try Self.waitForPlayedOut(cluster, cluster.ids, timeout: .seconds(40))
        for (node, playback) in reports {
            XCTAssertEqual(playback["hard_resyncs"] as? Int, 0, node)
            XCTAssertEqual(playback["drift_correction_frames"] as? Int, 0, node)
        }
        let played = try Self.stopAndReadCaptures(cluster, cluster.ids, captures: captures)
        Self.assertPlays(played, exactly: a.reference.prefix(cut * 4) + b.reference, "A cut after \(cut) samples, then B", context: cluster.logTails(lines: 30))
        // The captures, compared with each other: the same sound, A's part the length of the catalogue's cut.
        let sounds = played.mapValues(Self.sound)
        let aFrames = Self.frames(a.reference)
        let aSilence = aFrames.prefix { $0 == 0 }.count
        for (node, sound) in sounds {
            XCTAssertEqual(sound, sounds[cluster.ids[0]], "\(node) and \(cluster.ids[0]) played the same")
            let fromA = zip(sound, aFrames[aSilence...]).prefix { $0 == $1 }.count
            XCTAssertEqual(aSilence + fromA, cut, "\(node): A's part of the capture ends at the catalogue's cut")
        }
    }

    /// The sound of a capture: from its first to its last non-silent frame.
    static func sound(_ capture: Data) -> [UInt32] {
        let frames = frames(capture)
        guard let first = frames.firstIndex(where: { $0 != 0 }), let last = frames.lastIndex(where: { $0 != 0 }) else { return [] }
        return Array(frames[first...last])
    }

    /// Interleaved 16-bit stereo as one value per frame.
    static func frames(_ data: Data) -> [UInt32] {
        data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self).prefix(data.count / 4)) }
    }

    /// Where A's fragments, as `raftcast probe --json` cuts the file, end: fragment k+1's start, in samples at
    /// 48 kHz from the first sample of the decode (ffprobe's `start_pts`: the MP3's encoder delay is not
    /// decoded). The probe prints seconds to the microsecond, so each value is within 0.03 samples.
    static func fragmentBoundaries(_ path: String) throws -> [Double] {
        let probe = try RaftcastExecutable.run(["probe", path, "--json"])
        guard probe.status == 0, let plan = try JSONSerialization.jsonObject(with: probe.stdout) as? [String: Any],
            let fragments = plan["fragments"] as? [[String: Any]], let streams = plan["streams"] as? [[String: Any]],
            let timeBase = streams.first(where: { $0["type"] as? String == "audio" })?["time_base"] as? String
        else { throw TestFailure(description: "raftcast probe: \(probe.stdoutText) \(probe.stderrText)") }
        let parts = timeBase.split(separator: "/").compactMap { Double($0) }
        let ffprobe = try ToolProcess.run(
            "ffprobe", ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=start_pts", "-of", "csv=p=0", path])
        guard parts.count == 2, parts[0] > 0, parts[1] > 0,
            let startTicks = Double(ffprobe.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw TestFailure(description: "time base \(timeBase), ffprobe: \(ffprobe.stdoutText) \(ffprobe.stderrText)") }
        let start = startTicks * parts[0] / parts[1]
        return fragments.compactMap { $0["start_seconds"] as? Double }.dropFirst().map { ($0 - start) * 48_000 }
    }
}
