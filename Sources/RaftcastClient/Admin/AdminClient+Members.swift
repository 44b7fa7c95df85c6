import Foundation

/// The membership calls of the HTTP API (docs/openapi.yaml), typed.
extension AdminClient {
    /// `GET /v1/members`, from the leader when one is known (only the leader knows the match indexes):
    /// the first node that answers `GET /v1/cluster` names it; when the leader does not answer, the list
    /// of that first node (its `match_index` values are null).
    public func members() throws(Failure) -> MemberList {
        let report = try call("GET", "/v1/cluster", as: ClusterStatusReport.self)
        if report.role != "leader", let text = report.leaderHTTP, let leader = ClusterConfig.parseAddress(text),
            let response = try? HTTPFetch.request(
                host: leader.host, port: leader.port, path: "/v1/members",
                headers: ["Authorization": "Bearer \(token)", "Accept": "application/json"], timeout: timeout),
            response.status == 200, let list = try? JSONDecoder().decode(MemberList.self, from: Data(response.body))
        {
            return list
        }
        return try call("GET", "/v1/members", as: MemberList.self)
    }

    /// `POST /v1/members`: adds member `id` (a listener unless `voter`); the member as the leader lists it.
    public func addMember(_ id: String, raft: String, http: String, voter: Bool) throws(Failure) -> MemberList.Member {
        let request = MemberAddRequest(id: id, raft: raft, http: http, role: voter ? "voter" : "listener")
        let body = (try? JSONEncoder().encode(request)) ?? Data()
        return try call("POST", "/v1/members", json: Array(body), as: MemberList.Member.self)
    }

    /// `DELETE /v1/members/{id}`: member `id` leaves the cluster.
    public func removeMember(_ id: String) throws(Failure) {
        _ = try call("DELETE", "/v1/members/\(id)", as: MemberRemoval.self)
    }

    /// `POST /v1/members/{id}/promote`: listener `id` becomes a voter.
    public func promoteMember(_ id: String) throws(Failure) -> MemberList.Member {
        try call("POST", "/v1/members/\(id)/promote", as: MemberList.Member.self)
    }

    /// `POST /v1/members/{id}/demote`: voter `id` becomes a listener.
    public func demoteMember(_ id: String) throws(Failure) -> MemberList.Member {
        try call("POST", "/v1/members/\(id)/demote", as: MemberList.Member.self)
    }
}
