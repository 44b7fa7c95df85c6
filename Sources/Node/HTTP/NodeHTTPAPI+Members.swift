import Foundation
import Hummingbird
import RaftcastClient

/// `/v1/members*`: the replicated member directory, read on any node (`GET`); its changes on the leader, with
/// the admin token (docs/openapi.yaml, docs/members.md). Each write is one membership change that
/// ``MembershipCheck`` may refuse before anything is proposed (409 with the reason's own problem type; 404
/// `unknown-member`); the answer comes once the change is applied on the leader. A follower redirects (307)
/// to the leader like every write; 503 `no-leader` without one, `no-quorum` when not applied in time.
extension NodeHTTPAPI {
    /// The largest `POST /v1/members` body read.
    static let maxMemberBodyBytes = 4 << 10

    func addMemberRoutes(to router: Router<BasicRequestContext>) {
        let api = self
        let backend = self.backend
        let reachable = self.memberReachable
        router.get("v1/members") { _, _ -> Response in
            Self.json(Self.memberList(backend: backend, reachable: reachable))
        }
        router.post("v1/members") { request, _ -> Response in
            if let refusal = api.writeRefusal(request) { return refusal }
            let body: MemberAddRequest
            do {
                let bytes = try await request.body.collect(upTo: Self.maxMemberBodyBytes)
                body = try JSONDecoder().decode(MemberAddRequest.self, from: Data(buffer: bytes))
            } catch {
                return HTTPProblem(
                    .badRequest, "bad-request",
                    "the JSON body must be {\"id\": \"<member id>\", \"raft\": \"host:port\", \"http\": \"host:port\", \"role\"?: \"listener\"|\"voter\"}"
                ).response()
            }
            let record: MemberRecord
            switch body.record() {
            case .success(let valid): record = valid
            case .failure(let error): return HTTPProblem(.badRequest, "bad-member", error.reason).response()
            }
            return await api.membershipWrite(.add(record), request, status: .created)
        }
        router.delete("v1/members/:id") { request, context -> Response in
            await api.membershipWrite(context.parameters.get("id") ?? "", request) { .remove(id: $0) }
        }
        router.post("v1/members/:id/promote") { request, context -> Response in
            await api.membershipWrite(context.parameters.get("id") ?? "", request) { .promote(id: $0) }
        }
        router.post("v1/members/:id/demote") { request, context -> Response in
            await api.membershipWrite(context.parameters.get("id") ?? "", request) { .demote(id: $0) }
        }
    }

    /// A write about the member named by the path's `text`: an id that is not valid names no member (404).
    func membershipWrite(_ text: String, _ request: Request, _ make: (String) -> MembershipRequest) async -> Response {
        if let refusal = writeRefusal(request) { return refusal }
        guard ClusterConfig.isValidMemberID(text) else {
            return HTTPProblem(.notFound, "unknown-member", "no member \"\(UntrustedText.escaped(String(text.prefix(80))))\"").response()
        }
        return await membershipWrite(make(text), request, status: .ok)
    }

    /// Proposes `change` (after the write checks) and answers with the member once it is applied: its
    /// ``MemberList/Member`` (`status`, with `Location` for an addition), or `{"id", "removed": true}`.
    func membershipWrite(_ change: MembershipRequest, _ request: Request, status: HTTPResponse.Status) async -> Response {
        if let refusal = writeRefusal(request) { return refusal }
        switch await backend.proposeMembership(change, timeout: Self.proposeTimeout) {
        case .applied(let record, _):
            if case .remove = change { return Self.json(MemberRemoval(id: record.id)) }
            let listed = Self.memberList(backend: backend, reachable: memberReachable).members.first { $0.id == record.id }
            let member = listed ?? MemberList.Member(
                id: record.id, role: "\(record.role)", raft: "\(record.raft)", http: "\(record.http)", isSelf: false,
                reachable: false, matchIndex: nil)
            let headers: HTTPFields = status == .created ? [.location: "/v1/members/\(record.id)"] : [:]
            return Self.json(member, status: status, headers: headers)
        case .refused(.notLeader):
            return redirectToLeader(request) ?? HTTPProblem(.serviceUnavailable, "no-leader", "no leader known").response()
        case .refused(let refusal):
            return HTTPProblem(Self.httpStatus(of: refusal), refusal.slug, refusal.message).response()
        case .timedOut:
            return HTTPProblem(
                .serviceUnavailable, "no-quorum",
                "the membership change was not applied within \(Self.proposeTimeout); it may still take effect"
            ).response()
        }
    }

    /// The HTTP status of a refusal: 404 for an unknown member, 400 for a bad record, 503 when the core is
    /// busy, 409 for every conflict with the cluster's state.
    static func httpStatus(of refusal: MembershipRefusal) -> HTTPResponse.Status {
        switch refusal {
        case .unknownMember: .notFound
        case .invalidRecord: .badRequest
        case .notLeader: .serviceUnavailable
        default: .conflict
        }
    }

    /// The member list as `backend` publishes it now.
    static func memberList(backend: any NodeBackend, reachable: (@Sendable (String) -> Bool)?) -> MemberList {
        let local = backend.report.id
        let matches = backend.memberMatchIndexes
        return MemberList(
            members: backend.members.members.map { record in
                MemberList.Member(
                    id: record.id, role: "\(record.role)", raft: "\(record.raft)", http: "\(record.http)",
                    isSelf: record.id == local, reachable: record.id == local || (reachable?(record.id) ?? false),
                    matchIndex: matches?[record.raftID])
            })
    }
}
