import Foundation
import Hummingbird
import HummingbirdTesting
import Node
import Raft
import RaftcastClient
import Transport
import XCTest

/// `GET /v1/members` (in-process, over a ``BackendTwin``): the replicated directory sorted by id, the
/// answering node marked, reachability from the transport, and match indexes only on the leader.
final class MembersRouteTests: XCTestCase {
    private func record(_ id: String, _ n: Int, _ role: MemberRole) -> MemberRecord {
        MemberRecord(id: id, raft: PeerAddress(host: "10.0.0.\(n)", port: 7100), http: PeerAddress(host: "10.0.0.\(n)", port: 8100), role: role)
    }

    private func members(_ twin: BackendTwin, reachable: Set<String>) async throws -> (HTTPResponse.Status, MemberList, [[String: Any]]) {
        let directory = try RouteTesting.directory(for: self, prefix: "raftcast-members-route")
        let cluster = try InProcessNode.writeConfig(in: directory, secret: "members-route-secret-0123", name: "members")
        let api = NodeHTTPAPI(
            backend: twin, metrics: NodeMetrics(), cluster: cluster,
            uploadDirectory: directory.appendingPathComponent("uploads").path, memberReachable: { reachable.contains($0) })
        let (status, body) = try await Application(router: api.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/members", method: .get) { ($0.status, Data(buffer: $0.body)) }
        }
        let raw = try XCTUnwrap(JSONSerialization.jsonObject(with: body) as? [String: Any])
        return (status, try JSONDecoder().decode(MemberList.self, from: body), raw["members"] as? [[String: Any]] ?? [])
    }

    func testListsTheDirectoryWithReachabilityAndTheLeadersMatchIndexes() async throws {
        let twin = BackendTwin()
        let n1 = record("n1", 1, .voter), n2 = record("n2", 2, .voter), tv = record("tv", 3, .listener)
        twin.members = MemberDirectory([tv, n2, n1])
        twin.memberMatchIndexes = [n1.raftID: 40, n2.raftID: 38, tv.raftID: 12]
        let (status, list, raw) = try await members(twin, reachable: ["n2"])
        XCTAssertEqual(status, .ok)
        XCTAssertEqual(list.members, [
            .init(id: "n1", role: "voter", raft: "10.0.0.1:7100", http: "10.0.0.1:8100", isSelf: true, reachable: true, matchIndex: 40),
            .init(id: "n2", role: "voter", raft: "10.0.0.2:7100", http: "10.0.0.2:8100", isSelf: false, reachable: true, matchIndex: 38),
            .init(id: "tv", role: "listener", raft: "10.0.0.3:7100", http: "10.0.0.3:8100", isSelf: false, reachable: false, matchIndex: 12),
        ])
        XCTAssertEqual(raw.first?["match_index"] as? Int, 40)

        // A follower knows no progress: match_index is null, present in the JSON.
        twin.follow("n2", http: "10.0.0.2:8100")
        twin.memberMatchIndexes = nil
        let (_, followerList, followerRaw) = try await members(twin, reachable: [])
        XCTAssertEqual(followerList.members.map(\.matchIndex), [nil, nil, nil])
        XCTAssertEqual(followerList.members.map(\.reachable), [true, false, false])
        XCTAssertTrue(followerRaw.allSatisfy { $0["match_index"] is NSNull }, "\(followerRaw)")
    }
}
