import Broadcast
import Demo
import Node
import RaftcastClient

/// Hand-made node answers and play logs for the demo's value tests.
enum DemoFixtures {
    /// `/v1/cluster` of `id` in `role`, naming `leader` in `term`.
    static func report(_ id: String, _ role: String, term: UInt64, leader: String?, commit: UInt64 = 10) -> ClusterStatusReport {
        ClusterStatusReport(
            id: id, role: role, term: term, leader: leader, leaderHTTP: nil, commitIndex: commit, appliedIndex: commit,
            lastLogIndex: commit, snapshotIndex: 0, appliedCount: commit, appliedHash: "0000000000000000", peers: [])
    }

    /// A running node's sample with its report.
    static func node(_ id: String, _ role: String, term: UInt64, leader: String?, playback: DemoPlayback? = nil) -> DemoNodeSample {
        DemoNodeSample(id: id, process: .running, cluster: report(id, role, term: term, leader: leader), playback: playback)
    }

    /// A playback report in `state` at `position` with `syncError` nanoseconds.
    static func playback(_ state: String, fragment: Int?, position: Double?, syncError: Int64?) -> DemoPlayback {
        DemoPlayback(state: state, fragment: fragment, positionSeconds: position, syncErrorNanoseconds: syncError)
    }

    /// Node `node`'s records for `fragments` of 2 s (96 000 samples at 48 kHz) of stream `stream`,
    /// fragment k heard at `start + 2 s · k + offset + extra[k]` (extra: a hole before k).
    static func records(
        _ node: String, fragments: [Int], stream: StreamID = 0xab, offsetNanoseconds: Int64 = 0,
        extraDelayNanoseconds: [Int: Int64] = [:]
    ) -> [PlayLogRecord] {
        var delay: Int64 = 0
        return fragments.map { fragment in
            delay += extraDelayNanoseconds[fragment] ?? 0
            return PlayLogRecord(
                node: node, stream: stream, fragment: fragment, fragmentFirstSample: Int64(fragment) * 96_000,
                fragmentSamples: 96_000, firstPlayedSample: Int64(fragment) * 96_000, sampleRate: 48_000,
                heardAt: ClusterTime(nanoseconds: 10_000_000_000 + Int64(fragment) * 2_000_000_000 + offsetNanoseconds + delay),
                clockErrorBound: .microseconds(100), playoutError: .zero)
        }
    }
}
