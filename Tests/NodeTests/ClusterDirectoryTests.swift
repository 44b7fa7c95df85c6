import Foundation
import Hummingbird
import RaftcastClient
import XCTest

/// ``ClusterDirectory`` against fake nodes served in-process: the list of the leader the seeds name is used
/// (a member the seeds do not include is reached at its `leader_http`), a removed node's list is not asked
/// for, and a hostile list (a bad id, address or role, a duplicate, too many members, no `self`) is not
/// used: the seeds stand in. The real cluster is in ClusterDirectoryProcessTests.
final class ClusterDirectoryTests: XCTestCase {
    private static let secret = Array("directory-test-secret-0123456789".utf8)

    private func member(_ id: String, port: Int, role: MemberRole = .voter) -> ClusterConfig.Member {
        ClusterConfig.Member(
            id: id, raft: ClusterConfig.parseAddress("127.0.0.1:\(40000 + port % 1000)")!,
            http: ClusterConfig.parseAddress("127.0.0.1:\(port)")!, audioDevice: nil, dataDirectory: "", role: role)
    }

    /// `/v1/cluster` of node `id` in `role`, naming `leader` at `leaderPort`.
    private static func report(_ id: String, role: String, leader: String?, leaderPort: Int? = nil) -> String {
        let leaderKeys = (leader.map { #","leader":"\#($0)""# } ?? "") + (leaderPort.map { #","leader_http":"127.0.0.1:\#($0)""# } ?? "")
        return #"{"applied_count":0,"applied_hash":"0000000000000000","applied_index":0,"commit_index":0,"id":"\#(id)","last_log_index":0,"peers":[],"role":"\#(role)","snapshot_index":0,"term":4\#(leaderKeys)}"#
    }

    /// A `/v1/members` entry.
    private static func entry(_ id: String, role: String = "voter", raft: String = "127.0.0.1:7100", http: String, isSelf: Bool = false) -> String {
        #"{"id":"\#(id)","role":"\#(role)","raft":"\#(raft)","http":"\#(http)","self":\#(isSelf),"reachable":true,"match_index":null}"#
    }

    private static func list(_ entries: [String]) -> String { #"{"members":[\#(entries.joined(separator: ","))]}"# }

    func testTheLeadersListIsUsedAndItsMembersAreReachedBeyondTheSeeds() throws {
        let kitchen = try LocalCluster.freePorts(1)[0]
        let leaderPort = Locked(0)
        let leaderServer = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n3", role: "leader", leader: "n3")) }
            router.get("v1/members") { _, _ -> Response in
                .json(Self.list([
                    Self.entry("kitchen", role: "listener", raft: "127.0.0.1:7104", http: "127.0.0.1:\(kitchen)"),
                    Self.entry("n1", raft: "127.0.0.1:7101", http: "127.0.0.1:1"),
                    Self.entry("n3", raft: "127.0.0.1:7103", http: "127.0.0.1:\(leaderPort.current)", isSelf: true),
                ]))
            }
        }
        leaderPort.withValue { $0 = leaderServer.port }
        // The seed is a follower whose own (stale) list would name no kitchen; it names the leader at its address.
        let seed = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in
                .json(Self.report("n1", role: "follower", leader: "n3", leaderPort: leaderServer.port))
            }
            router.get("v1/members") { _, _ -> Response in
                .json(Self.list([Self.entry("n1", http: "127.0.0.1:1", isSelf: true)]))
            }
        }
        let seeds = [member("n1", port: seed.port), member("n2", port: try LocalCluster.freePorts(1)[0])]
        let directory = ClusterDirectory.discover(seeds: seeds, secret: Self.secret, timeout: .seconds(2))
        XCTAssertEqual(directory.listedBy, "n3")
        XCTAssertEqual(directory.members.map(\.id), ["kitchen", "n1", "n3"])
        XCTAssertEqual(directory.members.map(\.role), [.listener, .voter, .voter])
        XCTAssertEqual(directory.members.first?.http.port, kitchen)
        XCTAssertEqual(directory.leader?.id, "n3")
        XCTAssertEqual(directory.leader?.http.port, leaderServer.port, "the leader's address from the list")
        XCTAssertEqual(directory.targets.map(\.id), ["n3", "kitchen", "n1"], "the leader first")
        XCTAssertEqual(directory.seedResults.map { $0.report != nil }, [true, false])
        XCTAssertTrue(directory.anyAnswered)
    }

    func testARemovedNodesListAndHostileListsAreNotUsed() throws {
        let removed = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n1", role: "removed", leader: nil)) }
            router.get("v1/members") { _, _ -> Response in .json(Self.list([Self.entry("n1", http: "127.0.0.1:1", isSelf: true)])) }
        }
        let hostile = Self.list([Self.entry("n2", http: "127.0.0.1:2", isSelf: true), Self.entry("evil\\nline", http: "127.0.0.1:3")])
        let liar = try FakeNodeServer.start(in: self) { router in
            router.get("v1/cluster") { _, _ -> Response in .json(Self.report("n2", role: "follower", leader: nil)) }
            router.get("v1/members") { _, _ -> Response in .json(hostile) }
        }
        let seeds = [member("n1", port: removed.port), member("n2", port: liar.port)]
        let directory = ClusterDirectory.discover(seeds: seeds, secret: nil, timeout: .seconds(2))
        XCTAssertNil(directory.listedBy)
        XCTAssertEqual(directory.members, seeds, "the seeds stand in")
        XCTAssertNil(directory.leader)

        func decode(_ text: String) throws -> MemberList { try JSONDecoder().decode(MemberList.self, from: Data(text.utf8)) }
        let good = Self.entry("n1", http: "127.0.0.1:8100", isSelf: true)
        XCTAssertEqual(ClusterDirectory.members(of: try decode(Self.list([good])))?.map(\.id), ["n1"])
        for (entries, why) in [
            ([String](), "empty"),
            ([good, Self.entry("n1", http: "127.0.0.1:8101")], "a duplicate id"),
            ([good, Self.entry("n2", http: "nowhere")], "an HTTP address that is not host:port"),
            ([good, Self.entry("n2", raft: "127.0.0.1:0", http: "127.0.0.1:8101")], "port 0"),
            ([good, Self.entry("n2", role: "king", http: "127.0.0.1:8101")], "an unknown role"),
            ([good, Self.entry(String(repeating: "a", count: 65), http: "127.0.0.1:8101")], "an id over 64 characters"),
            ([good] + (2...ClusterDirectory.maxMembers + 1).map { Self.entry("n\($0)", http: "127.0.0.1:\(8000 + $0)") }, "too many"),
        ] {
            XCTAssertNil(ClusterDirectory.members(of: try decode(Self.list(entries))), why)
        }
    }
}
