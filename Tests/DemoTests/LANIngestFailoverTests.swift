import Broadcast
import Demo
import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// The demo's failover with every node on its own address: `scripts/lan.sh up 3` (three network
/// namespaces, each node playing into ALSA's file plugin), a paced `raftcast ingest` from the host
/// through the bridge, SIGKILL of the leader while it ingests; the client resumes with the new
/// leader, every survivor ends with every fragment, their play logs judged by the demo's own
/// verdict show no gap and nothing doubled, and their captures hold ffmpeg's decode of the file
/// (apart from the drift corrector's single frames). Root only (skips with lan.sh's reason otherwise).
final class LANIngestFailoverTests: XCTestCase {
    func testPacedIngestSurvivesTheLeadersDeathAcrossNamespaces() throws {
        let lan = try LANScript(test: 1)
        let up = try lan.run(["up", "3", "--audio", "file"])
        if up.status == LANScript.noPrivilegeStatus {
            throw XCTSkip("scripts/lan.sh cannot build a LAN here: \(up.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        addTeardownBlock { _ = try? lan.run(["down"]) }
        XCTAssertEqual(up.status, 0, up.stderrText)
        let config = try ClusterConfig.load(path: lan.work.appendingPathComponent("cluster.yaml").path)
        let (leader, term) = try lan.waitForLeader()
        // A listener joins once its clock follows the cluster's; the broadcast starts after that.
        _ = try poll("every node's clock to synchronize", lan: lan) { () -> Bool? in
            config.nodes.allSatisfy { Self.playback(at: $0)?.clockSynchronized == true } ? true : nil
        }

        let media = lan.repository.appendingPathComponent("media/sample.mp3").path
        let ingest = try BackgroundProcess(
            try RaftcastExecutable.path(), ["ingest", media, "--config", lan.work.appendingPathComponent("cluster.yaml").path, "--name", "lan-failover"],
            log: lan.work.appendingPathComponent("ingest.log").path)
        addTeardownBlock { ingest.stop() }

        // Kill the leader once it has committed two fragments (of six), while it is still ingesting.
        let leaderMember = try XCTUnwrap(config.member(id: leader))
        let before = try poll("two fragments committed on \(leader)", lan: lan) { () -> DemoStreamProgress? in
            guard let stream = Self.stream(at: leaderMember), stream.committedFragments >= 2 else { return nil }
            return stream
        }
        XCTAssertEqual(before.state, "ingesting", "killed mid-ingest")
        XCTAssertEqual(try lan.run(["kill", leader]).status, 0)
        let (successor, newTerm) = try lan.waitForLeader { id, t in id != leader && t > term }
        XCTAssertGreaterThan(newTerm, term)

        let status = try XCTUnwrap(ingest.wait(timeout: .seconds(60)), "raftcast ingest still running after 60 s")
        XCTAssertEqual(status, 0, ingest.output)
        let survivors = config.nodes.filter { $0.id != leader }
        var expected = 0
        for member in survivors {
            let stream = try XCTUnwrap(Self.stream(at: member), "\(member.id) lists the stream")
            XCTAssertEqual(stream.state, "ended", member.id)
            expected = try XCTUnwrap(stream.expectedFragments)
            XCTAssertEqual(stream.committedFragments, expected, member.id)
        }
        XCTAssertEqual(expected, 6, "12 s of media in 2 s fragments")

        // Survivors play the stream out, then stop (SIGTERM through lan.sh down).
        _ = try poll("the survivors to play the stream out", lan: lan, timeout: .seconds(20)) { () -> Bool? in
            survivors.allSatisfy { Self.playback(at: $0)?.isDone == true } ? true : nil
        }
        XCTAssertEqual(try lan.run(["down"]).status, 0)

        var logs: [String: [PlayLogRecord]] = [:]
        for member in config.nodes {
            let path = member.dataDirectory + "/" + PlayLog.fileName
            if FileManager.default.fileExists(atPath: path) { logs[member.id] = try PlayLog.read(path: path) }
        }
        let verdict = DemoVerdict(DemoOutcome(
            nodes: config.nodes.map(\.id), killedLeader: leader, timeToNewLeader: .zero, stream: before.id,
            expectedFragments: expected, committedAtKill: before.committedFragments, ingestStatus: status,
            playLogs: logs, captures: [:]))
        XCTAssertTrue(verdict.passed, verdict.lines.joined(separator: "\n") + "\nnew leader \(successor)")
        XCTAssertEqual(verdict.playback.map(\.fragmentsPlayed), [expected, expected])

        let reference = try ToolProcess.ffmpegPCM(media)
        for member in survivors {
            let capture = try Data(contentsOf: lan.work.appendingPathComponent("\(member.id).wav"))
            let alignment = PCMAlignment(capture: capture.dropFirst(44), reference: reference)
            XCTAssertTrue(alignment.silentBefore && alignment.isComplete && alignment.silentAfter,
                          "\(member.id): \(alignment), capture \(capture.count) bytes, new leader \(successor)\n\(lan.logTails(lines: 30))")
            XCTAssertEqual(alignment.corrections, 0, "\(member.id): bit-exact, no drift correction")
        }
    }

    private static func stream(at member: ClusterConfig.Member) -> DemoStreamProgress? {
        guard let response = try? HTTPFetch.request(host: member.http.host, port: member.http.port, path: "/v1/streams"),
            response.status == 200
        else { return nil }
        return try? DemoStreamProgress.decodeList(response.body, named: "lan-failover")
    }

    private static func playback(at member: ClusterConfig.Member) -> DemoPlayback? {
        guard let response = try? HTTPFetch.request(host: member.http.host, port: member.http.port, path: "/v1/playback"),
            response.status == 200
        else { return nil }
        return try? JSONDecoder().decode(DemoPlayback.self, from: Data(response.body))
    }

    /// Polls `condition` every 50 ms until it returns a value or `timeout` passes.
    private func poll<T>(_ what: String, lan: LANScript, timeout: Duration = .seconds(20), _ condition: () -> T?) throws -> T {
        do {
            return try eventually(what, timeout: timeout, interval: .milliseconds(50), condition)
        } catch let timedOut as EventuallyTimedOut {
            throw LANScriptFailure(description: "\(timedOut)\n\(lan.logTails())")
        }
    }
}
