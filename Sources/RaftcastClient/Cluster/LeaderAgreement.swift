/// Whether a majority of the cluster's members name the same leader, from what `raftcast status` gathered:
/// the cluster is usable only then (a leader a minority sees may be deposed already, and a partitioned
/// old leader still thinks it leads).
///
/// A member counts for leader L when it answered and its report names L in the highest term any answer
/// names L in; members that did not answer count for nobody. A majority is more than half of all members,
/// not of those that answered.
public enum LeaderAgreement: Sendable, Hashable {
    /// `leader` is named by `votes` of `members` members, a majority.
    case agreed(leader: String, votes: Int, members: Int)
    /// No leader has a majority; `reason` says what each member said, for one line of error.
    case none(reason: String)

    /// The agreement among `results` (one per member of a cluster of `results.count` members).
    public static func judge(_ results: [ClusterStatusProbe.Result]) -> LeaderAgreement {
        let members = results.count
        let needed = members / 2 + 1
        var counts: [String: (term: UInt64, votes: Int)] = [:]
        for report in results.compactMap(\.report) {
            guard let leader = report.leader else { continue }
            let current = counts[leader] ?? (report.term, 0)
            if report.term > current.term {
                counts[leader] = (report.term, 1)
            } else if report.term == current.term {
                counts[leader] = (current.term, current.votes + 1)
            }
        }
        if let (leader, best) = counts.max(by: { ($0.value.votes, $1.key) < ($1.value.votes, $0.key) }), best.votes >= needed {
            return .agreed(leader: leader, votes: best.votes, members: members)
        }
        let said = results.map { result -> String in
            guard let report = result.report else { return "\(result.member.id) did not answer" }
            return "\(result.member.id) names \(report.leader ?? "no leader")"
        }
        return .none(reason: "no leader agreed by a majority (\(needed) of \(members) needed; \(said.joined(separator: ", ")))")
    }
}
