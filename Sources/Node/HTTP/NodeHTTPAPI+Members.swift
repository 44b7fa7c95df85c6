import Hummingbird
import RaftcastClient

extension NodeHTTPAPI {
    /// `GET /v1/members`: the ``MemberList`` of this node's replicated member directory, with whether this
    /// node reaches each member and, on the leader, each member's match index.
    func addMemberRoutes(to router: Router<BasicRequestContext>) {
        let backend = self.backend
        let reachable = self.memberReachable
        router.get("v1/members") { _, _ -> Response in
            Self.json(Self.memberList(backend: backend, reachable: reachable))
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
