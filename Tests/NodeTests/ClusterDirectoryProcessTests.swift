import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// The CLI follows the membership in the log, not only cluster.yaml (``ClusterDirectory``), with real
/// processes on loopback: a machine joined with `raftcast node --join` shows in `raftcast status` and
/// `raftcast members` run with the original cluster.yaml, which does not name it; with a cluster.yaml that
/// names only a removed member and one live member, `status` lists every current member (the removed node
/// last, "not a member"), `members` shows the leader's view and a change goes to the leader.
final class ClusterDirectoryProcessTests: XCTestCase {
    /// `raftcast status --json` rows by id, and the run.
    private func status(_ config: String) throws -> ([String: [String: Any]], ProcessRun) {
        let run = try runRaftcast(["status", "--json", "--config", config, "--timeout-ms", "1000"])
        let rows = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [[String: Any]] ?? []
        return (Dictionary(rows.map { ($0["id"] as? String ?? "?", $0) }, uniquingKeysWith: { a, _ in a }), run)
    }

    private func role(_ row: [String: Any]?) -> String? { (row?["status"] as? [String: Any])?["role"] as? String }

    func testTheCLIListsMembersTheFileDoesNotNameAndReachesTheClusterThroughOneLiveMember() throws {
        let cluster = try LocalCluster(size: 3)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)

        // kitchen joins with nothing but the secret and a follower's address.
        let ports = try LocalCluster.freePorts(2)
        let follower = cluster.ids.first { $0 != leader }!
        let node = try BackgroundProcess(
            try RaftcastExecutable.path(),
            ["node", "--join", "127.0.0.1:\(cluster.httpPorts[cluster.index(of: follower)])", "--id", "kitchen",
             "--raft", "127.0.0.1:\(ports[0])", "--http", "127.0.0.1:\(ports[1])",
             "--data-dir", cluster.directory.appendingPathComponent("kitchen-data").path,
             "--secret-file", cluster.directory.appendingPathComponent("cluster.secret").path],
            log: cluster.directory.appendingPathComponent("kitchen.log").path)
        addTeardownBlock { node.stop() }

        // `status` with the original cluster.yaml (n1-n3) lists kitchen too, a listener running as a learner
        // (once it has heard from the leader: a learner that has just joined may not name it yet).
        let (rows, run) = try cluster.waitFor("status lists kitchen as a learner that knows the leader", timeout: .seconds(30)) {
            () -> ([String: [String: Any]], ProcessRun)? in
            guard let answer = try? status(cluster.configPath), answer.1.status == 0, role(answer.0["kitchen"]) == "learner",
                (answer.0["kitchen"]?["status"] as? [String: Any])?["leader"] as? String == leader
            else { return nil }
            return answer
        }
        XCTAssertEqual(Set(rows.keys), ["n1", "n2", "n3", "kitchen"], run.stdout)
        XCTAssertEqual(rows["kitchen"]?["member_role"] as? String, "listener")
        XCTAssertEqual(rows["kitchen"]?["http"] as? String, "127.0.0.1:\(ports[1])")
        XCTAssertEqual(rows["kitchen"]?["member"] as? Bool, true)
        XCTAssertEqual(rows.values.compactMap { ($0["status"] as? [String: Any])?["leader"] as? String }, Array(repeating: leader, count: 4))
        let members = try runRaftcast(["members", "--json", "--config", cluster.configPath])
        XCTAssertEqual(members.status, 0, members.stderr)
        let list = try JSONDecoder().decode(MemberList.self, from: Data(members.stdout.utf8))
        XCTAssertEqual(list.members.map(\.id), ["kitchen", "n1", "n2", "n3"])

        // A follower leaves while it runs; a cluster.yaml naming only it and one live member still reaches
        // every current member.
        let (gone, live) = (follower, cluster.ids.first { $0 != leader && $0 != follower }!)
        let removed = try runRaftcast(["members", "remove", gone, "--config", cluster.configPath])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        _ = try cluster.waitFor("\(gone) knows it was removed") { cluster.report(gone)?.role == "removed" ? true : nil }
        let partial = try cluster.writeConfig(named: "partial.yaml", members: [gone, live])
        let (after, table) = try status(partial)
        XCTAssertEqual(table.status, 0, table.stdout + table.stderr)
        XCTAssertEqual(table.stderr, "")
        XCTAssertEqual(Set(after.keys), Set([leader, live, "kitchen", gone]), table.stdout)
        for id in [leader, live, "kitchen"] {
            XCTAssertEqual(after[id]?["member"] as? Bool, true, id)
            XCTAssertEqual(after[id]?["reachable"] as? Bool, true, id)
        }
        XCTAssertEqual(after[gone]?["member"] as? Bool, false)
        XCTAssertEqual(role(after[gone]), "removed")
        let text = try runRaftcast(["status", "--config", partial])
        XCTAssertEqual(text.status, 0, text.stderr)
        print("status with \(partial):\n\(text.stdout)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, text.stdout)
        XCTAssertEqual(lines.dropFirst().map { String($0.prefix { $0 != " " }) }, ["kitchen", leader, live].sorted() + [gone])
        XCTAssertTrue(lines[4].contains("removed from the cluster"), text.stdout)

        // The admin commands go through the same list: the leader's view, and a change that reaches it.
        let view = try runRaftcast(["members", "--json", "--config", partial])
        XCTAssertEqual(view.status, 0, view.stderr)
        let leaderView = try JSONDecoder().decode(MemberList.self, from: Data(view.stdout.utf8))
        XCTAssertEqual(leaderView.members.map(\.id), ["kitchen", leader, live].sorted())
        XCTAssertEqual(leaderView.members.first(where: \.isSelf)?.id, leader, "the leader's list")
        let promoted = try cluster.waitFor("kitchen promoted through partial.yaml") { () -> ProcessRun? in
            guard let run = try? runRaftcast(["members", "promote", "kitchen", "--config", partial]), run.status == 0 else { return nil }
            return run
        }
        XCTAssertTrue(promoted.stdout.hasPrefix("promoted kitchen (voter"), promoted.stdout)

        // Nobody of a file answers: one line naming every node tried.
        cluster.kill9(live)
        let nobody = try cluster.writeConfig(named: "nobody.yaml", members: [live])
        let failed = try runRaftcast(["status", "--config", nobody, "--timeout-ms", "300"])
        XCTAssertEqual(failed.status, 1, failed.stdout)
        XCTAssertEqual(failed.stderr.split(separator: "\n").count, 1, failed.stderr)
        XCTAssertTrue(
            failed.stderr.hasPrefix("error: \(nobody): no node answered (1 tried): \(live) (127.0.0.1:\(cluster.httpPorts[cluster.index(of: live)])): cannot connect"),
            failed.stderr)
    }
}
