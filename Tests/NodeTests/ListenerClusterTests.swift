import Broadcast
import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// Listeners in real processes (issue 17, "What shows it"): real `raftcast node` processes on loopback whose
/// cluster.yaml makes some nodes listeners (`role: listener`, Raft learners), each playing into alsa-lib's
/// `file` plugin, item A of ``QueueClusterTests`` (a 20 s MP3) sent paced with the real `raftcast ingest`,
/// and every capture compared with ffmpeg's decode of the file.
///
/// Every node's `GET /v1/cluster` is polled ten times a second from start to end (``ClusterStatusPoller``,
/// each poll bounded by its timeout): a listener only ever answers `learner`, and no node ever names a
/// listener as its leader.
final class ListenerClusterTests: XCTestCase {
    private static let pollTimeout = Duration.seconds(2)

    /// A started capturing cluster of `voters` voters and then `listeners` listeners (shut down by a teardown
    /// block), its captures' folder and its listeners' ids.
    private func startCluster(voters: Int, listeners: Int) throws -> (LocalCluster, URL, [String]) {
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-listeners-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: captures) }
        let listenerIDs = (voters + 1...voters + listeners).map { "n\($0)" }
        let cluster = try LocalCluster.startCapturing(size: voters + listeners, captures: captures) { id in
            listenerIDs.contains(id) ? ["role: listener"] : []
        }
        addTeardownBlock { cluster.shutdown() }
        for id in listenerIDs { XCTAssertEqual(cluster.report(id)?.role, "learner", "\(id) runs as a learner") }
        return (cluster, captures, listenerIDs)
    }

    /// Pollers of every node's `/v1/cluster`, started.
    private func startPollers(_ cluster: LocalCluster) throws -> [String: ClusterStatusPoller] {
        let start = ContinuousClock.now
        var pollers: [String: ClusterStatusPoller] = [:]
        for id in cluster.ids {
            let poller = ClusterStatusPoller(
                port: cluster.httpPorts[cluster.index(of: id)], baseline: try XCTUnwrap(cluster.report(id)),
                interval: .milliseconds(100), timeout: Self.pollTimeout, bound: Self.pollTimeout)
            poller.start(origin: start)
            addTeardownBlock { _ = poller.stop() }
            pollers[id] = poller
        }
        return pollers
    }

    /// Stops the pollers; asserts that each listener answered every poll, always as a learner, and that no
    /// node ever named a listener as leader. Returns the summaries.
    @discardableResult
    private func assertNoListenerLed(
        _ pollers: [String: ClusterStatusPoller], listeners: [String], file: StaticString = #filePath, line: UInt = #line
    ) -> [String: ClusterStatusPoller.Summary] {
        let summaries = pollers.mapValues { $0.stop() }
        for (id, summary) in summaries.sorted(by: { $0.key < $1.key }) {
            XCTAssertGreaterThan(summary.polls, 20, "\(id) was polled", file: file, line: line)
            XCTAssertTrue(summary.leaders.isDisjoint(with: listeners), "\(id) named \(summary.leaders) as leader", file: file, line: line)
            if listeners.contains(id) {
                XCTAssertEqual(Set(summary.roles.keys), ["learner"], "\(id) answered as \(summary.roles)", file: file, line: line)
                XCTAssertEqual(summary.noAnswer + summary.non200, 0, "\(id): \(summary.failures)", file: file, line: line)
            }
            print("\(id): \(summary.polls) polls, roles \(summary.roles), leaders named \(summary.leaders.sorted())")
        }
        return summaries
    }

    /// 3 voters and 2 listeners play A; the leader is SIGKILLed in A's first half while the ingest runs (it
    /// resumes on the new leader by itself). The killed leader's capture is A's decode bit for bit up to where
    /// it stops; every survivor's, listeners included, is silence, A's whole decode bit for bit, then silence.
    func testVotersAndListenersPlayBitExactThroughALeaderKill() throws {
        let a = try QueueClusterTests.itemA()
        let (cluster, captures, listeners) = try startCluster(voters: 3, listeners: 2)
        let pollers = try startPollers(cluster)

        let ingest = try QueueClusterTests.startIngest(a, name: "queue-a", cluster: cluster, in: self)
        let killed = try cluster.waitForLeader(among: cluster.ids)
        XCTAssertFalse(listeners.contains(killed))
        _ = try cluster.waitFor("every node playing A, the leader 8 s in", timeout: .seconds(30)) { () -> Bool? in
            let queues = cluster.ids.compactMap { QueueClusterTests.queue(cluster, $0) }
            guard queues.count == cluster.ids.count, queues.allSatisfy({ $0.playing?.name == "queue-a" }),
                let position = QueueClusterTests.queue(cluster, killed)?.playing?.positionSeconds, position >= 8
            else { return nil }
            return true
        }
        XCTAssertTrue(ingest.isRunning, "the ingest still runs at the kill: \(ingest.output)")
        cluster.kill9(killed)
        let survivors = cluster.ids.filter { $0 != killed }
        let successor = try cluster.waitForLeader(among: survivors)
        XCTAssertFalse(listeners.contains(successor), "a listener leads")

        XCTAssertEqual(ingest.wait(timeout: .seconds(40)), 0, "ingest: \(ingest.output)\n\(cluster.logTails())")
        let reports = try QueueClusterTests.waitForPlayedOut(cluster, survivors, timeout: .seconds(40))
        for (node, playback) in reports {
            XCTAssertEqual(playback["hard_resyncs"] as? Int, 0, node)
            XCTAssertEqual(playback["stalled_samples"] as? Int, 0, node)
            XCTAssertEqual(playback["drift_correction_frames"] as? Int, 0, node)
        }
        assertNoListenerLed(pollers, listeners: listeners)
        let played = try QueueClusterTests.stopAndReadCaptures(cluster, survivors, captures: captures)
        XCTAssertEqual(Set(played.keys), Set(survivors))
        QueueClusterTests.assertPlays(
            played, exactly: a.reference, "A (\(killed) killed, \(successor) took over)", context: cluster.logTails(lines: 30))

        // The killed leader played A bit for bit until it died.
        let dead = try Data(contentsOf: captures.appendingPathComponent("\(killed).raw"))
        let alignment = PCMAlignment(capture: dead, reference: a.reference)
        let offset = try XCTUnwrap(alignment.offsetFrames, "\(killed): A's first sound is not in its capture")
        XCTAssertTrue(alignment.silentBefore, killed)
        XCTAssertEqual(alignment.corrections, 0, killed)
        XCTAssertEqual(offset + (alignment.breakFrame ?? a.frames), dead.count / 4, "\(killed): its capture is A's decode up to its end")
        XCTAssertGreaterThan(alignment.breakFrame ?? 0, 8 * 48_000, "\(killed) played 8 s of A")
    }

    /// 3 voters and a listener play A; two voters (the leader among them) are SIGKILLed while the listener
    /// plays. There is no quorum any more: the listener plays every fragment that was committed, bit for bit,
    /// then silence (no crash, no noise); its `/v1/cluster` names no leader, and `raftcast status` says there
    /// is no quorum in one line.
    func testWithoutAQuorumAListenerPlaysWhatWasCommittedAndSaysSo() throws {
        let a = try QueueClusterTests.itemA()
        let (cluster, captures, listeners) = try startCluster(voters: 3, listeners: 1)
        let listener = listeners[0]
        let pollers = try startPollers(cluster)

        _ = try QueueClusterTests.startIngest(a, name: "queue-a", cluster: cluster, in: self)
        let stream = try cluster.waitFor("the listener playing A, 4 s in", timeout: .seconds(30)) { () -> String? in
            guard let playing = QueueClusterTests.queue(cluster, listener)?.playing, playing.name == "queue-a",
                (playing.positionSeconds ?? 0) >= 4
            else { return nil }
            return playing.streamID
        }
        // The leader of this moment (an election under load may have moved it since the ingest began).
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let killed = [leader, cluster.ids.first { $0 != leader && !listeners.contains($0) }!]
        for id in killed { cluster.kill9(id) }
        let voter = cluster.ids.first { !killed.contains($0) && !listeners.contains($0) }!
        // The last voter, from now on: it must never lead alone.
        let alone = ClusterStatusPoller(
            port: cluster.httpPorts[cluster.index(of: voter)], baseline: try XCTUnwrap(cluster.report(voter)),
            interval: .milliseconds(100), timeout: Self.pollTimeout, bound: Self.pollTimeout)
        alone.start(origin: .now)
        addTeardownBlock { _ = alone.stop() }

        // The listener and the last voter say they have no leader; no leader is elected.
        let report = try cluster.waitFor("\(listener) and \(voter) name no leader", timeout: .seconds(5)) { () -> ClusterStatusReport? in
            guard let reports = cluster.reports([listener, voter]), reports.allSatisfy({ $0.leader == nil }) else { return nil }
            return reports[0]
        }
        XCTAssertEqual(report.role, "learner")
        let status = try RaftcastExecutable.run(["status", "--config", cluster.configPath, "--timeout-ms", "500"], timeout: 20)
        XCTAssertEqual(status.status, 1, status.stdoutText + status.stderrText)
        let lines = status.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, status.stderrText)
        XCTAssertTrue(
            status.stderrText.contains("no quorum: 1 of 3 voters answer, 2 needed for a leader")
                && status.stderrText.contains("\(listener) (listener) names no leader"),
            status.stderrText)
        let row = try XCTUnwrap(status.stdoutText.split(separator: "\n").first { $0.hasPrefix("\(listener) ") }, status.stdoutText)
        XCTAssertEqual(row.split(separator: " ").prefix(4).map(String.init), [listener, "learner", "\(report.term)", "-"], status.stdoutText)

        // It plays every committed fragment, then silence stands in for the rest (half a second of it at least).
        let committed = try cluster.waitFor("\(listener) knows what was committed", timeout: .seconds(5)) { () -> StreamResource? in
            guard let response = try? cluster.http(listener, "GET", "/v1/streams/\(stream)", timeout: .seconds(2)), response.status == 200
            else { return nil }
            return try? JSONDecoder().decode(StreamResource.self, from: Data(response.body))
        }
        XCTAssertEqual(committed.state, "ingesting", "A was cut short by the loss of the quorum")
        let playLog = cluster.directory.appendingPathComponent("data/\(listener)/\(PlayLog.fileName)").path
        _ = try cluster.waitFor("\(listener) played every committed fragment, then silence", timeout: .seconds(20)) { () -> Bool? in
            let played = Set(((try? PlayLog.read(path: playLog)) ?? []).filter { $0.stream.description == stream }.map(\.fragment))
            guard played == Set(0..<committed.committedFragments),
                let stalled = cluster.json(listener, "/v1/playback")?["stalled_samples"] as? Int, stalled >= 24_000
            else { return nil }
            return true
        }
        XCTAssertNotNil(cluster.report(listener), "\(listener) still answers")
        XCTAssertNil(cluster.report(voter)?.leader, "still no leader")
        _ = assertNoListenerLed(pollers, listeners: listeners)
        let lastVoter = alone.stop()
        XCTAssertGreaterThan(lastVoter.polls, 20, "\(voter) was polled after the kill")
        // Never elected alone: no leadership at a term after the kills (its baseline's). If leadership moved to
        // it just before them (an election under load), it leads at that term until it finds no quorum.
        XCTAssertTrue(lastVoter.leaderTerms.allSatisfy { $0 <= alone.baseline.term },
                      "\(voter) never led alone: led at terms \(lastVoter.leaderTerms.sorted()), baseline \(alone.baseline.role) at term \(alone.baseline.term); \(lastVoter.roles)")

        let played = try QueueClusterTests.stopAndReadCaptures(cluster, [listener], captures: captures)
        let capture = try XCTUnwrap(played[listener])
        let boundaries = try QueueClusterTests.fragmentBoundaries(a.path)
        XCTAssertLessThan(committed.committedFragments, boundaries.count + 1, "A is not all committed")
        // The decoder's output up to a fragment ends at its boundary rounded up (Programme.audioEndSample); the
        // resampler (44.1 → 48 kHz) holds back its look-ahead (18 frames here) until input that never comes.
        let end = Int(boundaries[committed.committedFragments - 1].rounded(.up))
        let alignment = PCMAlignment(capture: capture, reference: a.reference.prefix(end * 4))
        let offset = try XCTUnwrap(alignment.offsetFrames, "A's first sound is not in the capture")
        let heard = alignment.breakFrame ?? end
        XCTAssertTrue(alignment.silentBefore)
        XCTAssertEqual(alignment.corrections, 0)
        XCTAssertGreaterThanOrEqual(heard, end - 32, "\(listener) played A's \(committed.committedFragments) committed fragments (\(end) frames)")
        let after = QueueClusterTests.frames(capture)[(offset + heard)...]
        XCTAssertTrue(after.allSatisfy { $0 == 0 }, "silence after, \(after.count) frames (no noise)")
        XCTAssertGreaterThanOrEqual(after.count, 24_000, "half a second of silence at least (the wait above: stalled_samples ≥ 24,000)")
        print("\(listener): A's \(committed.committedFragments) committed fragments bit for bit up to frame \(heard) of \(end), then \(after.count) frames of silence")
    }
}
