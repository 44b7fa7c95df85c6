import RaftcastClient

/// The answer of `GET /health`, decided from the node's published status report: healthy when the node
/// knows a leader (itself or another) and has applied every entry it knows committed.
///
/// ```json
/// {"status":"ok","node":"n2","role":"follower","leader":"n1","term":4,"commit_index":42,"applied_index":42,"version":"0.7.0"}
/// ```
/// Otherwise the route answers 503 `unhealthy` (problem+json) whose detail is ``reason``.
public struct NodeHealth: Sendable, Hashable, Encodable {
    /// `ok`.
    public var status = "ok"
    public var node: String
    public var role: String
    public var leader: String
    public var term: UInt64
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    public var version: String

    enum CodingKeys: String, CodingKey {
        case status, node, role, leader, term, version
        case commitIndex = "commit_index"
        case appliedIndex = "applied_index"
    }

    /// The verdict on `report`: the healthy answer, or why the node is not healthy.
    public static func judge(_ report: ClusterStatusReport) -> Result<NodeHealth, Unhealthy> {
        guard report.role != "removed" else {
            return .failure(Unhealthy(reason: report.notice ?? "removed from the cluster"))
        }
        guard let leader = report.leader else {
            return .failure(Unhealthy(reason: "no leader known (term \(report.term), role \(report.role))"))
        }
        guard report.appliedIndex >= report.commitIndex else {
            return .failure(
                Unhealthy(reason: "applied \(report.appliedIndex) of \(report.commitIndex) committed entries"))
        }
        return .success(
            NodeHealth(
                node: report.id, role: report.role, leader: leader, term: report.term, commitIndex: report.commitIndex,
                appliedIndex: report.appliedIndex, version: report.version ?? RaftcastVersion.current))
    }

    /// Why a node is not healthy.
    public struct Unhealthy: Error, Sendable, Hashable {
        public var reason: String
    }
}
