import Raft
import RaftcastClient

extension RaftLoop {
    /// The report of `GET /v1/cluster` for `member`, from the core's `status` and the driver's applied
    /// state; a peer's `last_contact_ms` from when the loop last heard from it (`lastContact`) until `now`.
    static func makeReport(
        status: Status, driver: NodeDriver, cluster: ClusterConfig, member: ClusterConfig.Member,
        lastContact: [NodeID: ContinuousClock.Instant], now: ContinuousClock.Instant
    ) -> ClusterStatusReport {
        let leader = status.leader == .none ? nil : driver.members.member(raftID: status.leader).map { ($0.id, $0.http) }
            ?? cluster.member(raftID: status.leader).map { ($0.id, $0.http) }
        var peers: [ClusterStatusReport.Peer] = []
        for (id, progress) in status.progress where id != status.id {
            let name = memberName(id, driver: driver, cluster: cluster) ?? "\(id)"
            let contact = lastContact[id].map { last -> Int64 in
                let d = last.duration(to: now)
                return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            }
            peers.append(.init(id: name, matchIndex: progress.match, nextIndex: progress.next,
                               state: "\(progress.state)", lastContactMs: contact))
        }
        peers.sort { $0.id < $1.id }
        let hash = String(driver.state.rollingHash, radix: 16)
        return ClusterStatusReport(
            id: member.id, role: "\(status.role)", term: status.term, leader: leader?.0,
            leaderHTTP: leader.map { "\($0.1)" }, commitIndex: status.commit, appliedIndex: driver.state.appliedIndex,
            lastLogIndex: status.lastIndex, snapshotIndex: driver.snapshotIndex, appliedCount: driver.state.count,
            appliedHash: String(repeating: "0", count: 16 - hash.count) + hash, peers: peers,
            version: RaftcastVersion.current)
    }
}
