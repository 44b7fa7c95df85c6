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
}
