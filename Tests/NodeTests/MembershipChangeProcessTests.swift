import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// `raftcast members add/promote/demote/remove` as the real binary against real nodes on loopback: a
/// cluster founded by n1-n3 (their cluster.yaml names only them) takes n4 as a listener, n4 is started with
/// a cluster.yaml that names it and catches up; the refusals print their one-line reason and exit 1; with
/// one of three voters SIGKILLed, removing a live voter (or adding a fourth) is refused, removing the dead one
/// and adding a fresh voter (n5, started with a cluster.yaml naming it) restores a quorum that survives the
/// loss of another voter.
final class MembershipChangeProcessTests: XCTestCase {
    private func members(_ cluster: LocalCluster, via id: String) -> MemberList? {
        guard let response = try? cluster.http(id, "GET", "/v1/members", timeout: .seconds(2)), response.status == 200 else { return nil }
        return try? JSONDecoder().decode(MemberList.self, from: Data(response.body))
    }

    private func raftcast(_ cluster: LocalCluster, _ arguments: [String]) throws -> ProcessRun {
        try runRaftcast(["members"] + arguments + ["--config", cluster.configPath])
    }

    /// Runs `members arguments` and checks it exits 1 with `error: <subject>: <reason>` on one line.
    private func refused(_ cluster: LocalCluster, _ arguments: [String], _ reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try raftcast(cluster, arguments)
        XCTAssertEqual(run.status, 1, "\(arguments): \(run.stdout) \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", file: file, line: line)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr, file: file, line: line)
        XCTAssertTrue(run.stderr.hasPrefix("error: ") && run.stderr.contains(reason), "\(arguments): \(run.stderr)", file: file, line: line)
    }

    func testAddPromoteDemoteRemoveAndTheirRefusals() throws {
        let cluster = try LocalCluster(size: 5, debugPropose: true, nodeSettings: { $0 == "n4" ? ["role: listener"] : [] })
        addTeardownBlock { cluster.shutdown() }
        try cluster.writeConfig(named: "founders.yaml", members: ["n1", "n2", "n3"])
        for id in ["n1", "n2", "n3"] { try cluster.start(id) }
        let leader = try cluster.waitForLeader(among: ["n1", "n2", "n3"])
        let n4Raft = "127.0.0.1:\(cluster.raftPorts[3])", n4HTTP = "127.0.0.1:\(cluster.httpPorts[3])"

        let added = try raftcast(cluster, ["add", "n4", "--raft", n4Raft, "--http", n4HTTP])
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(added.stdout, "added n4 (listener, raft \(n4Raft), http \(n4HTTP))\n")
        // Every founder's directory lists it; it has not answered yet, so it cannot be promoted.
        for id in ["n1", "n2", "n3"] {
            XCTAssertEqual(try cluster.waitFor("\(id) lists n4") { members(cluster, via: id)?.members.first { $0.id == "n4" } }.role, "listener")
        }
        // /v1/cluster's members (what the web app moves between) follow the directory, not the founders' file.
        let listed = (cluster.json("n1", "/v1/cluster")?["members"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        XCTAssertEqual(listed, ["n1", "n2", "n3", "n4"], "n5 is in cluster.yaml but not a member")
        try refused(cluster, ["promote", "n4"], "\"n4\" has not answered the leader recently")
        try refused(cluster, ["add", "n4", "--raft", "127.0.0.1:1", "--http", "127.0.0.1:2"], "\"n4\" is already a member")
        try refused(cluster, ["add", "n5", "--raft", n4Raft, "--http", "127.0.0.1:2"], "address \(n4Raft) is already used by member \"n4\"")
        try refused(cluster, ["remove", "ghost"], "no member \"ghost\"")
        try refused(cluster, ["remove", leader], "transfer leadership first")
        try refused(cluster, ["demote", leader], "transfer leadership first")
        try refused(cluster, ["demote", "n4"], "\"n4\" is already a listener")
        let badAddress = try raftcast(cluster, ["add", "n5", "--raft", "nowhere", "--http", "127.0.0.1:2"])
        XCTAssertEqual(badAddress.status, 2, badAddress.stderr)
        XCTAssertTrue(badAddress.stderr.contains("raft: \"nowhere\" is not host:port"), badAddress.stderr)

        // n4 starts with the cluster.yaml that names it, runs as a learner and catches up.
        try cluster.start("n4")
        let index = try cluster.commit(Array("after the join".utf8), among: ["n1", "n2", "n3"])
        _ = try cluster.waitForSameState(["n1", "n2", "n3", "n4"], atLeast: index)
        XCTAssertEqual(cluster.report("n4")?.role, "learner")
        let promoted = try cluster.waitFor("n4 is promoted once caught up") { () -> ProcessRun? in
            guard let run = try? raftcast(cluster, ["promote", "n4"]), run.status == 0 else { return nil }
            return run
        }
        XCTAssertEqual(promoted.stdout, "promoted n4 (voter, raft \(n4Raft), http \(n4HTTP))\n")
        XCTAssertEqual(try cluster.waitFor("n4 is a follower") { cluster.report("n4")?.role == "follower" ? true : nil }, true)
        try refused(cluster, ["promote", "n4"], "\"n4\" is already a voter")
        let demoted = try raftcast(cluster, ["demote", "n4"])
        XCTAssertEqual(demoted.status, 0, demoted.stderr)
        XCTAssertEqual(demoted.stdout, "demoted n4 (listener, raft \(n4Raft), http \(n4HTTP))\n")
        XCTAssertEqual(try cluster.waitFor("n4 is a learner again") { cluster.report("n4")?.role == "learner" ? true : nil }, true)

        // One of three voters dies: removing a live voter would leave 1 of 2 reachable — refused.
        let followers = ["n1", "n2", "n3"].filter { $0 != leader }
        let (dead, live) = (followers[0], followers[1])
        cluster.kill9(dead)
        _ = try cluster.waitFor("the leader has not heard from \(dead) for an election timeout") { () -> Bool? in
            guard let peer = cluster.report(leader)?.peers.first(where: { $0.id == dead }), let ms = peer.lastContactMs, ms > 400 else { return nil }
            return true
        }
        try refused(cluster, ["remove", live], "remove \(live) would lose the quorum: 1 of the 2 voters after it would be reachable")
        try refused(cluster, ["add", "n5", "--raft", "127.0.0.1:1", "--http", "127.0.0.1:2", "--voter"], "add n5 would lose the quorum: 2 of the 4 voters")
        let removed = try raftcast(cluster, ["remove", dead])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(removed.stdout, "removed \(dead)\n")
        XCTAssertEqual(members(cluster, via: leader)?.members.map(\.id), ["n1", "n2", "n3", "n4"].filter { $0 != dead })
        // A fresh machine joins as the third voter (2 of 3 reachable: allowed) and catches up; then the other
        // follower dies and the two voters left still commit.
        let n5Raft = "127.0.0.1:\(cluster.raftPorts[4])", n5HTTP = "127.0.0.1:\(cluster.httpPorts[4])"
        let fresh = try raftcast(cluster, ["add", "n5", "--raft", n5Raft, "--http", n5HTTP, "--voter"])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertEqual(fresh.stdout, "added n5 (voter, raft \(n5Raft), http \(n5HTTP))\n")
        try cluster.start("n5")
        let joined = try cluster.commit(Array("n5 joined".utf8), among: [leader, live, "n5"])
        _ = try cluster.waitForSameState([leader, live, "n4", "n5"], atLeast: joined)
        XCTAssertEqual(cluster.report("n5")?.role, "follower")
        cluster.kill9(live)
        let survivors = [leader, "n5"]
        let newLeader = try cluster.waitForLeader(among: survivors)
        let committed = try cluster.waitFor("a commit with two of three voters") { try? cluster.propose(Array("two of three".utf8), leader: newLeader) }
        _ = try cluster.waitForSameState(survivors, atLeast: committed)
    }
}
