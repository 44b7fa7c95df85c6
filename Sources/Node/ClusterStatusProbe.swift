import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Asks every node of a cluster for `GET /v1/cluster`, all at once, each
/// within a timeout (what `raftcast status` prints).
public enum ClusterStatusProbe {
    /// One node's answer, or why there was none.
    public struct Result: Sendable {
        public var member: ClusterConfig.Member
        public var report: ClusterStatusReport?
        public var error: String?
    }

    /// Probes every member concurrently (one thread each; the calls block).
    public static func probe(_ cluster: ClusterConfig, timeout: Duration) -> [Result] {
        let results = NIOLockedValueBox([Result?](repeating: nil, count: cluster.nodes.count))
        DispatchQueue.concurrentPerform(iterations: cluster.nodes.count) { i in
            let member = cluster.nodes[i]
            let result = probe(member, timeout: timeout)
            results.withLockedValue { $0[i] = result }
        }
        return results.withLockedValue { $0.compactMap { $0 } }
    }

    /// Probes one member.
    public static func probe(_ member: ClusterConfig.Member, timeout: Duration) -> Result {
        do {
            let response = try HTTPFetch.request(
                host: member.http.host, port: member.http.port, path: "/v1/cluster", timeout: timeout)
            guard response.status == 200 else {
                return Result(member: member, report: nil, error: "HTTP \(response.status)")
            }
            let report = try JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body))
            return Result(member: member, report: report, error: nil)
        } catch {
            return Result(member: member, report: nil, error: "\(error)")
        }
    }
}
