import Foundation
import RaftcastClient
import TestSupport
import Synchronization
import XCTest

/// `raftcast node --join` with real processes: a new machine given only the secret and one member's HTTP
/// address fetches the settings and bootstrap members, adds itself as a listener, writes its cluster.yaml,
/// starts with an empty log and catches up to the same state as the cluster; a restart needs no more than
/// that file. A wrong secret or a bootstrap member's id is refused with one line before anything changes.
final class NodeJoinProcessTests: XCTestCase {
    func testANewMachineJoinsAsAListenerAndRestartsFromItsOwnFile() throws {
        let cluster = try LocalCluster(size: 3, debugPropose: true)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        for i in 0..<20 { _ = try cluster.commit(Array("entry \(i)".utf8), among: cluster.ids) }
        let ports = try LocalCluster.freePorts(2)
        let raft = "127.0.0.1:\(ports[0])", http = "127.0.0.1:\(ports[1])"
        let data = cluster.directory.appendingPathComponent("kitchen-data").path
        let secret = cluster.directory.appendingPathComponent("cluster.secret").path
        let follower = cluster.ids.first { $0 != leader }!
        let join = "127.0.0.1:\(cluster.httpPorts[cluster.index(of: follower)])"
        let arguments = ["node", "--join", join, "--id", "kitchen", "--raft", raft, "--http", http, "--data-dir", data, "--secret-file", secret]

        // Refused before anything changes: a wrong secret, a bootstrap member's id.
        let wrongSecret = cluster.directory.appendingPathComponent("wrong.secret").path
        try PrivateFile.write("not-the-cluster-secret-0123", to: wrongSecret)
        let refused = try runRaftcast(Array(arguments.dropLast()) + [wrongSecret], timeout: .seconds(20))
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("the member refused the admin token"), refused.stderr)
        let bootstrapID = try runRaftcast(arguments.map { $0 == "kitchen" ? "n1" : $0 }, timeout: .seconds(20))
        XCTAssertEqual(bootstrapID.status, 2, bootstrapID.stderr)
        XCTAssertTrue(bootstrapID.stderr.contains("error: n1: is a bootstrap member of the cluster"), bootstrapID.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/cluster.yaml"))

        // Joined through a follower (its 307 leads to the leader); it catches up as a learner.
        let node = try BackgroundProcess(try RaftcastExecutable.path(), arguments, log: cluster.directory.appendingPathComponent("kitchen-1.log").path)
        addTeardownBlock { node.stop() }
        func kitchen() -> ClusterStatusReport? {
            guard let response = try? HTTPFetch.request(host: "127.0.0.1", port: ports[1], path: "/v1/cluster", timeout: .milliseconds(500)),
                response.status == 200 else { return nil }
            return try? JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body))
        }
        _ = try cluster.waitFor("a node lists the joiner") { () -> Bool? in
            cluster.ids.contains { id in
                ((cluster.json(id, "/v1/members")?["members"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == "kitchen" }
            } ? true : nil
        }
        let index = try cluster.commit(Array("after the join".utf8), among: cluster.ids)
        let caughtUp = try cluster.waitFor("kitchen catches up", timeout: .seconds(30)) { () -> ClusterStatusReport? in
            guard let report = kitchen(), report.appliedIndex >= index else { return nil }
            return report
        }
        XCTAssertEqual(caughtUp.role, "learner")
        let reference = try cluster.waitForSameState(cluster.ids, atLeast: index)
        let same = try cluster.waitFor("kitchen applied the same entries") { () -> ClusterStatusReport? in
            guard let report = kitchen(), report.appliedIndex == reference.appliedIndex else { return nil }
            return report
        }
        XCTAssertEqual(same.appliedHash, reference.appliedHash)
        XCTAssertTrue(node.output.contains("joined the cluster test-cluster as listener kitchen"), node.output)
        let written = try String(contentsOfFile: data + "/cluster.yaml", encoding: .utf8)
        XCTAssertTrue(written.contains("\"kitchen\"") && written.contains("role: \"listener\""), written)
        let listed = try cluster.waitFor("every node lists kitchen") { () -> Bool? in
            cluster.ids.allSatisfy { id in
                ((cluster.json(id, "/v1/members")?["members"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == "kitchen" }
            } ? true : nil
        }
        XCTAssertTrue(listed)

        // Restarted with --join again: the file is there, nothing is asked of the cluster; it rejoins.
        node.stop()
        let again = try BackgroundProcess(try RaftcastExecutable.path(), arguments, log: cluster.directory.appendingPathComponent("kitchen-2.log").path)
        addTeardownBlock { again.stop() }
        let later = try cluster.commit(Array("after the restart".utf8), among: cluster.ids)
        _ = try cluster.waitFor("kitchen rejoins", timeout: .seconds(30)) { () -> Bool? in
            (kitchen()?.appliedIndex ?? 0) >= later ? true : nil
        }
        XCTAssertTrue(again.output.contains("exists (an earlier --join): starting with it"), again.output)
        XCTAssertEqual(kitchen()?.role, "learner")
    }

    /// When the leader's log is compacted, the joiner gets its snapshot (catalogue and member directory)
    /// and the entries after it, and ends with the same state as everyone.
    func testAJoinerOfACompactedLogInstallsTheLeadersSnapshot() throws {
        let cluster = try LocalCluster(
            size: 3, extraArguments: ["--snapshot-entries", "8", "--snapshot-keep", "2"], debugPropose: true)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        _ = try cluster.waitForLeader(among: cluster.ids)
        for i in 0..<40 { _ = try cluster.commit(Array("entry \(i)".utf8), among: cluster.ids) }
        _ = try cluster.waitFor("the nodes compacted their logs") {
            cluster.ids.allSatisfy { (cluster.report($0)?.snapshotIndex ?? 0) > 20 } ? true : nil
        }
        let ports = try LocalCluster.freePorts(2)
        let data = cluster.directory.appendingPathComponent("late-data").path
        let node = try BackgroundProcess(
            try RaftcastExecutable.path(),
            ["node", "--join", "127.0.0.1:\(cluster.httpPorts[0])", "--id", "late",
             "--raft", "127.0.0.1:\(ports[0])", "--http", "127.0.0.1:\(ports[1])", "--data-dir", data,
             "--secret-file", cluster.directory.appendingPathComponent("cluster.secret").path],
            log: cluster.directory.appendingPathComponent("late-1.log").path)
        addTeardownBlock { node.stop() }
        _ = try cluster.waitFor("a node lists the joiner") { () -> Bool? in
            cluster.ids.contains { id in
                ((cluster.json(id, "/v1/members")?["members"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == "late" }
            } ? true : nil
        }
        let index = try cluster.commit(Array("after the join".utf8), among: cluster.ids)
        let reference = try cluster.waitForSameState(cluster.ids, atLeast: index)
        let lastSeen = Mutex<String>("")
        addTeardownBlock { if (self.testRun?.totalFailureCount ?? 0) > 0 { print("late's log:\n" + String(node.output.suffix(6000)) + "\n" + lastSeen.withLock { $0 }) } }
        let late = try cluster.waitFor("the joiner reaches the same state", timeout: .seconds(30)) { () -> ClusterStatusReport? in
            guard let response = try? HTTPFetch.request(host: "127.0.0.1", port: ports[1], path: "/v1/cluster", timeout: .milliseconds(500)),
                let report = try? JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body)) else { return nil }
            lastSeen.withLock { $0 = "\(report) vs \(reference)" }
            guard report.appliedIndex == reference.appliedIndex else { return nil }
            return report
        }
        XCTAssertEqual(late.appliedHash, reference.appliedHash)
        XCTAssertGreaterThan(late.snapshotIndex, 0)
        XCTAssertTrue(node.output.contains("installed snapshot from leader"), node.output)
        let members = try XCTUnwrap(try? HTTPFetch.request(host: "127.0.0.1", port: ports[1], path: "/v1/members"))
        let list = try JSONDecoder().decode(MemberList.self, from: Data(members.body))
        XCTAssertEqual(list.members.map(\.id), ["late", "n1", "n2", "n3"], "the snapshot's directory, then its own addition")
    }
}
