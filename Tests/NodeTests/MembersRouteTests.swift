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

    // MARK: - Writes

    static let secret = "members-write-secret-0123"
    static let token = "Bearer " + AdminToken.token(secret: Array(secret.utf8))

    private func application(_ twin: BackendTwin) throws -> some ApplicationProtocol {
        Application(router: try RouteTesting.api(twin: twin, for: self, secret: Self.secret).makeRouter())
    }

    private static func write(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, body: String = "",
        token: String? = token, _ check: @escaping (TestResponse) throws -> Void
    ) async throws {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = token }
        try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body)) { try check($0) }
    }

    private static func problem(_ response: TestResponse) throws -> HTTPProblem {
        XCTAssertEqual(response.headers[.contentType], "application/problem+json")
        return try JSONDecoder().decode(HTTPProblem.self, from: Data(buffer: response.body))
    }

    func testAddRemovePromoteDemoteAnswerWithTheMember() async throws {
        let twin = BackendTwin()
        twin.members = MemberDirectory([record("n1", 1, .voter)])
        try await application(twin).test(.router) { client in
            try await Self.write(client, .post, "/v1/members", body: #"{"id":"kitchen","raft":"10.0.0.7:7100","http":"10.0.0.7:8100"}"#) { response in
                XCTAssertEqual(response.status, .created, String(buffer: response.body))
                XCTAssertEqual(response.headers[.location], "/v1/members/kitchen")
                let member = try JSONDecoder().decode(MemberList.Member.self, from: Data(buffer: response.body))
                XCTAssertEqual(member, .init(id: "kitchen", role: "listener", raft: "10.0.0.7:7100", http: "10.0.0.7:8100", isSelf: false, reachable: false, matchIndex: nil))
            }
            try await Self.write(client, .post, "/v1/members/kitchen/promote") { response in
                XCTAssertEqual(response.status, .ok, String(buffer: response.body))
                XCTAssertEqual(try JSONDecoder().decode(MemberList.Member.self, from: Data(buffer: response.body)).role, "voter")
            }
            try await Self.write(client, .post, "/v1/members/kitchen/demote") { response in
                XCTAssertEqual(try JSONDecoder().decode(MemberList.Member.self, from: Data(buffer: response.body)).role, "listener")
            }
            try await Self.write(client, .delete, "/v1/members/kitchen") { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(try JSONDecoder().decode(MemberRemoval.self, from: Data(buffer: response.body)), MemberRemoval(id: "kitchen"))
            }
            try await Self.write(client, .post, "/v1/members", body: #"{"id":"hall","raft":"10.0.0.8:7100","http":"10.0.0.8:8100","role":"voter"}"#) { response in
                XCTAssertEqual(response.status, .created)
            }
        }
        XCTAssertEqual(twin.membershipRequests, [
            .add(MemberRecord(id: "kitchen", raft: PeerAddress(host: "10.0.0.7", port: 7100), http: PeerAddress(host: "10.0.0.7", port: 8100), role: .listener)),
            .promote(id: "kitchen"), .demote(id: "kitchen"), .remove(id: "kitchen"),
            .add(MemberRecord(id: "hall", raft: PeerAddress(host: "10.0.0.8", port: 7100), http: PeerAddress(host: "10.0.0.8", port: 8100), role: .voter)),
        ])
        XCTAssertEqual(twin.members.members.map(\.id), ["hall", "n1"])
    }

    func testMalformedBodiesAndMissingTokenAreRefusedBeforeAnyChange() async throws {
        let twin = BackendTwin()
        try await application(twin).test(.router) { client in
            try await Self.write(client, .post, "/v1/members", body: #"{"id":"kitchen","raft":"10.0.0.7:7100","http":"10.0.0.7:8100"}"#, token: nil) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            try await Self.write(client, .delete, "/v1/members/kitchen", token: "Bearer nope") { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            let bad: [(String, String, String)] = [
                ("not json", "bad-request", "the JSON body must be"),
                (#"{"id":"kitchen"}"#, "bad-request", "the JSON body must be"),
                (#"{"id":"bad id","raft":"10.0.0.7:7100","http":"10.0.0.7:8100"}"#, "bad-member", "id: \"bad id\" may contain only"),
                (#"{"id":"kitchen","raft":"10.0.0.7","http":"10.0.0.7:8100"}"#, "bad-member", "raft: \"10.0.0.7\" is not host:port"),
                (#"{"id":"kitchen","raft":"10.0.0.7:7100","http":"x:99999"}"#, "bad-member", "http: \"x:99999\" is not host:port"),
                (#"{"id":"kitchen","raft":"10.0.0.7:7100","http":"10.0.0.7:8100","role":"boss"}"#, "bad-member", "role: \"boss\" is not voter or listener"),
                (#"{"id":"k\u000a","raft":"10.0.0.7:7100","http":"10.0.0.7:8100"}"#, "bad-member", "id: \""),
            ]
            for (body, slug, detail) in bad {
                try await Self.write(client, .post, "/v1/members", body: body) { response in
                    XCTAssertEqual(response.status, .badRequest, body)
                    let problem = try Self.problem(response)
                    XCTAssertEqual(problem.slug, slug, body)
                    XCTAssertTrue(problem.detail.hasPrefix(detail), "\(body): \(problem.detail)")
                }
            }
            try await Self.write(client, .delete, "/v1/members/no%20such") { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(try Self.problem(response).slug, "unknown-member")
            }
        }
        XCTAssertEqual(twin.membershipRequests, [])
    }

    func testRefusalsHaveTheirOwnProblemTypes() async throws {
        let twin = BackendTwin()
        let cases: [(MembershipRefusal, HTTPResponse.Status)] = [
            (.unknownMember("ghost"), .notFound),
            (.idTaken("n2"), .conflict),
            (.addressTaken(address: "10.0.0.2:7100", holder: "n2"), .conflict),
            (.leaderWouldLeave("n1"), .conflict),
            (.wouldLoseQuorum(change: "remove n2", live: 1, voters: 2), .conflict),
            (.notCaughtUp(id: "tv", match: 3, lastIndex: 500, heard: true), .conflict),
            (.alreadyInRole(id: "n2", role: .voter), .conflict),
            (.changeInProgress, .conflict),
            (.coreRefused("too many uncommitted entries; retry shortly"), .conflict),
        ]
        try await application(twin).test(.router) { client in
            for (refusal, status) in cases {
                twin.answerMembership(with: .refused(refusal))
                try await Self.write(client, .post, "/v1/members/n2/promote") { response in
                    XCTAssertEqual(response.status, status, refusal.message)
                    let problem = try Self.problem(response)
                    XCTAssertEqual(problem.slug, refusal.slug)
                    XCTAssertEqual(problem.detail, refusal.message)
                }
            }
            XCTAssertEqual(Set(cases.map(\.0.slug)).count, 8, "taken id, raft id and address share member-taken")
            twin.answerMembership(with: .timedOut)
            try await Self.write(client, .delete, "/v1/members/n2") { response in
                XCTAssertEqual(response.status, .serviceUnavailable)
                XCTAssertEqual(try Self.problem(response).slug, "no-quorum")
            }
            // A follower redirects before proposing; a node without a leader answers 503.
            twin.follow("n2", http: "10.0.0.2:8100")
            try await Self.write(client, .post, "/v1/members/tv/promote") { response in
                XCTAssertEqual(response.status, .temporaryRedirect)
                XCTAssertEqual(response.headers[.location], "http://10.0.0.2:8100/v1/members/tv/promote")
            }
            twin.follow(nil, http: nil)
            try await Self.write(client, .delete, "/v1/members/tv") { response in
                XCTAssertEqual(response.status, .serviceUnavailable)
                XCTAssertEqual(try Self.problem(response).slug, "no-leader")
            }
        }
        XCTAssertEqual(twin.membershipRequests.count, cases.count + 1)
    }
}
