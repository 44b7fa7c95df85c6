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
        /// What the node plays (`GET /v1/playback`), nil when it did not say.
        public var playback: Playback?

        /// A result for `member`: its `report`, or the `error` that kept it from answering.
        public init(member: ClusterConfig.Member, report: ClusterStatusReport?, error: String?, playback: Playback? = nil) {
            self.member = member
            self.report = report
            self.error = error
            self.playback = playback
        }
    }

    /// The parts of a node's `GET /v1/playback` that `raftcast status` shows.
    public struct Playback: Sendable, Hashable, Codable {
        /// `idle`, `unsynchronized`, `waiting`, `playing`, or `disabled` (no audio device).
        public var state: String
        /// The stream played.
        public var stream: String?
        /// Position in the stream, in seconds.
        public var positionSeconds: Double?
        /// The last playout error (positive: late), in nanoseconds.
        public var syncErrorNanoseconds: Int64?

        enum CodingKeys: String, CodingKey {
            case state, stream
            case positionSeconds = "position_seconds"
            case syncErrorNanoseconds = "sync_error_ns"
        }
    }

    /// Probes every member concurrently (one thread each; the calls block). With `secret`, requests carry the
    /// admin token (needed when `open_reads` is false).
    public static func probe(_ cluster: ClusterConfig, timeout: Duration, secret: [UInt8]? = nil) -> [Result] {
        probe(cluster.nodes, timeout: timeout, secret: secret)
    }

    /// Probes `members` concurrently, results in their order; without `playback`, only `GET /v1/cluster`.
    public static func probe(
        _ members: [ClusterConfig.Member], timeout: Duration, secret: [UInt8]? = nil, playback: Bool = true
    ) -> [Result] {
        let results = NIOLockedValueBox([Result?](repeating: nil, count: members.count))
        DispatchQueue.concurrentPerform(iterations: members.count) { i in
            let result = probe(members[i], timeout: timeout, secret: secret, playback: playback)
            results.withLockedValue { $0[i] = result }
        }
        return results.withLockedValue { $0.compactMap { $0 } }
    }

    /// Probes one member: its cluster view, then (with `playback`) what it plays.
    public static func probe(
        _ member: ClusterConfig.Member, timeout: Duration, secret: [UInt8]? = nil, playback: Bool = true
    ) -> Result {
        let headers = secret.map { ["Authorization": "Bearer \(AdminToken.token(secret: $0))"] } ?? [:]
        do {
            let response = try HTTPFetch.request(
                host: member.http.host, port: member.http.port, path: "/v1/cluster", headers: headers, timeout: timeout)
            guard response.status == 200 else {
                return Result(member: member, report: nil, error: "HTTP \(response.status)")
            }
            let report = try JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body))
            var result = Result(member: member, report: report, error: nil)
            if playback, let answer = try? HTTPFetch.request(
                host: member.http.host, port: member.http.port, path: "/v1/playback", headers: headers, timeout: timeout),
                answer.status == 200
            {
                result.playback = try? JSONDecoder().decode(Playback.self, from: Data(answer.body))
            }
            return result
        } catch {
            return Result(member: member, report: nil, error: "\(error)")
        }
    }
}
