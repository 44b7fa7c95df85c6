import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// Removed members with real processes: a running listener that is removed applies its own removal (the
/// leader's last message tells it), reports role `removed`, leaves the network and refuses to start again on
/// its data dir; a voter removed while it was down comes back, is refused by every peer's handshake, says so
/// in its log and status, and does not disturb the cluster's term.
final class RemovedMemberProcessTests: XCTestCase {
    private func members(_ cluster: LocalCluster, via id: String) -> [String]? {
        guard let response = try? cluster.http(id, "GET", "/v1/members", timeout: .seconds(2)), response.status == 200 else { return nil }
        return (try? JSONDecoder().decode(MemberList.self, from: Data(response.body)))?.members.map(\.id)
    }

    private func log(_ cluster: LocalCluster, _ name: String) -> String {
        (try? String(contentsOf: cluster.directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    func testARemovedListenerStopsAndARestartIsRefused() throws {
        let cluster = try LocalCluster(size: 4, debugPropose: true, nodeSettings: { $0 == "n4" ? ["role: listener"] : [] })
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: ["n1", "n2", "n3"])
        let index = try cluster.commit(Array("before".utf8), among: ["n1", "n2", "n3"])
        _ = try cluster.waitForSameState(cluster.ids, atLeast: index)

        let removed = try runRaftcast(["members", "remove", "n4", "--config", cluster.configPath])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        let report = try cluster.waitFor("n4 reports its removal") { () -> ClusterStatusReport? in
            guard let report = cluster.report("n4"), report.role == "removed" else { return nil }
            return report
        }
        XCTAssertTrue(report.notice?.hasPrefix("removed from the cluster (removed n4 at log index ") ?? false, "\(report)")
        let marker = cluster.directory.appendingPathComponent("data/n4/removed").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker))
        XCTAssertEqual(members(cluster, via: leader), ["n1", "n2", "n3"])
        // The others redial n4 during their departure grace and n4, gone, refuses them: that is about n4,
        // not them, so no member shows "refused by n4" (watched over the grace, 3 s, every 100 ms).
        let watchUntil = ContinuousClock.now + .seconds(3)
        var refusalNotices: Set<String> = []
        while ContinuousClock.now < watchUntil {
            for id in ["n1", "n2", "n3"] {
                if let notice = cluster.report(id)?.notice, notice.contains("refused by") { refusalNotices.insert("\(id): \(notice)") }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(refusalNotices, [], "a member showed the removed node's refusal as its own")
        let health = try cluster.http("n4", "GET", "/health")
        XCTAssertEqual(health.status, 503, health.text)
        XCTAssertTrue(health.text.contains("removed from the cluster"), health.text)
        // The cluster goes on without it.
        let after = try cluster.commit(Array("after".utf8), among: ["n1", "n2", "n3"])
        _ = try cluster.waitForSameState(["n1", "n2", "n3"], atLeast: after)
        XCTAssertLessThan(cluster.report("n4")?.appliedIndex ?? .max, after, "a removed node applies nothing more")

        // Restarted on its data dir: refused with one line, exit 2, nothing started.
        XCTAssertEqual(cluster.terminate("n4", timeout: .seconds(10)), 0)
        let restart = try runRaftcast(["node", "--config", cluster.configPath, "--id", "n4"], timeout: .seconds(20))
        XCTAssertEqual(restart.status, 2, restart.stderr)
        let lines = restart.stderr.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("error: ") }, [
            "error: \(marker): this node was removed from the cluster (\(report.notice!.dropFirst("removed from the cluster (".count).dropLast())); it does not start on this data: to rejoin, `raftcast members add` it again and start it with an empty data_dir"
        ][...].map { Substring($0) }, restart.stderr)
    }

    func testAVoterRemovedWhileDownIsRefusedAndSaysSo() throws {
        let cluster = try LocalCluster(size: 3, debugPropose: true)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let gone = cluster.ids.first { $0 != leader }!
        let stays = cluster.ids.filter { $0 != gone }
        cluster.kill9(gone)
        _ = try cluster.waitFor("the leader has not heard from \(gone) for an election timeout") { () -> Bool? in
            guard let peer = cluster.report(leader)?.peers.first(where: { $0.id == gone }), let ms = peer.lastContactMs, ms > 400 else { return nil }
            return true
        }
        let removed = try runRaftcast(["members", "remove", gone, "--config", cluster.configPath])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        let term = try XCTUnwrap(cluster.report(leader)?.term)

        // It comes back knowing nothing of its removal: every peer refuses it, and it says so.
        try cluster.start(gone)
        let notice = try cluster.waitFor("\(gone) reports the refusals") { () -> String? in
            guard let notice = cluster.report(gone)?.notice, stays.allSatisfy({ notice.contains($0) }) else { return nil }
            return notice
        }
        XCTAssertEqual(notice, "refused by \(stays.joined(separator: ", ")): not a member")
        XCTAssertTrue(log(cluster, "\(gone)-2.log").contains("refused by \(stays[0]): not a member"))
        XCTAssertTrue(log(cluster, "\(leader)-1.log").contains("refused connection: node"), "the leader logs why it refuses")
        // It campaigns alone (pre-vote); nobody hears it: the leader and its term stay.
        let index = try cluster.propose(Array("still here".utf8), leader: leader)
        _ = try cluster.waitForSameState(stays, atLeast: index)
        _ = try cluster.waitFor("\(gone) campaigns", timeout: .seconds(10)) { () -> Bool? in
            ["pre-candidate", "candidate"].contains(cluster.report(gone)?.role ?? "") ? true : nil
        }
        XCTAssertEqual(cluster.report(leader)?.role, "leader")
        XCTAssertEqual(cluster.report(leader)?.term, term)
        XCTAssertEqual(members(cluster, via: leader), stays)
    }
}
