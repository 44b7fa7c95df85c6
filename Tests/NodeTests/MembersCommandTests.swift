import Foundation
import RaftcastClient
import TestSupport
import XCTest

/// `raftcast members` as the real binary against a real cluster on loopback whose cluster.yaml makes one
/// node a listener (`role: listener`): the node runs as a Raft learner, every node's `GET /v1/members`
/// lists the same directory, the leader reaches everyone and knows their match indexes, and the command
/// prints the leader's view (table and `--json`).
final class MembersCommandTests: XCTestCase {
    private func members(_ cluster: LocalCluster, via id: String) -> MemberList? {
        guard let response = try? cluster.http(id, "GET", "/v1/members", timeout: .seconds(2)), response.status == 200 else { return nil }
        return try? JSONDecoder().decode(MemberList.self, from: Data(response.body))
    }

    func testAListenerFromClusterYAMLIsALearnerAndMembersShowsEveryMember() throws {
        let cluster = try LocalCluster(size: 3, nodeSettings: { $0 == "n3" ? ["role: listener"] : [] })
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: ["n1", "n2"])
        XCTAssertEqual(try cluster.waitFor("n3 runs as a learner") { cluster.json("n3", "/v1/cluster")?["role"] as? String == "learner" ? true : nil }, true)

        // The leader reaches every member and knows how far each has come.
        let view = try cluster.waitFor("the leader reaches every member") { () -> MemberList? in
            guard let list = members(cluster, via: leader), list.members.allSatisfy({ $0.reachable && ($0.matchIndex ?? 0) > 0 }) else { return nil }
            return list
        }
        XCTAssertEqual(view.members.map(\.id), ["n1", "n2", "n3"])
        XCTAssertEqual(view.members.map(\.role), ["voter", "voter", "listener"])
        XCTAssertEqual(view.members.filter(\.isSelf).map(\.id), [leader])
        for (i, member) in view.members.enumerated() {
            XCTAssertEqual(member.raft, "127.0.0.1:\(cluster.raftPorts[i])")
            XCTAssertEqual(member.http, "127.0.0.1:\(cluster.httpPorts[i])")
        }
        // Every node holds the same directory; a follower knows no match index.
        for id in cluster.ids where id != leader {
            let list = try XCTUnwrap(members(cluster, via: id))
            XCTAssertEqual(list.members.map(\.id), view.members.map(\.id))
            XCTAssertEqual(list.members.map(\.role), view.members.map(\.role))
            XCTAssertEqual(list.members.map(\.matchIndex), [nil, nil, nil])
        }

        // The command asks the leader, whichever node answers first.
        let json = try runRaftcast(["members", "--json", "--config", cluster.configPath])
        XCTAssertEqual(json.status, 0, json.stderr)
        let printed = try JSONDecoder().decode(MemberList.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(printed.members.map(\.id), ["n1", "n2", "n3"])
        XCTAssertTrue(printed.members.allSatisfy { $0.matchIndex != nil }, json.stdout)
        let table = try runRaftcast(["members", "--config", cluster.configPath])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, table.stdout)
        XCTAssertTrue(lines[0].hasPrefix("ID"), table.stdout)
        XCTAssertTrue(lines[0].contains("ROLE") && lines[0].hasSuffix("MATCH"), table.stdout)
        XCTAssertTrue(lines[3].hasPrefix("n3") && lines[3].contains("listener"), table.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("\(leader) *") }, table.stdout)
    }
}
