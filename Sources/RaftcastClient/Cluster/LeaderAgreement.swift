/// Whether a majority of the cluster's voters name the same leader, from what `raftcast status` gathered:
/// the cluster is usable only then (a leader a minority sees may be deposed already, and a partitioned
/// old leader still thinks it leads).
///
/// A voter counts for leader L when it answered and its report names L in the highest term any answer
/// names L in; voters that did not answer count for nobody. A majority is more than half of all voters,
/// not of those that answered. Listeners (Raft learners: a report whose role is `learner`, or, for a
/// member that did not answer, its cluster.yaml role) neither count nor are counted: any number of them
/// may be down without the cluster losing its leader. When fewer voters answer than a quorum, the reason
/// says "no quorum" (the listeners play on what was committed, and say they have no leader).
public enum LeaderAgreement: Sendable, Hashable {
    /// `leader` is named by `votes` of `members` voters, a majority.
    case agreed(leader: String, votes: Int, members: Int)
    /// No leader has a majority; `reason` says what each member said, for one line of error.
    case none(reason: String)

    /// The agreement among `results` (one per member of the cluster).
    public static func judge(_ results: [ClusterStatusProbe.Result]) -> LeaderAgreement {
        let voters = results.filter(isVoter)
        let needed = voters.count / 2 + 1
        var counts: [String: (term: UInt64, votes: Int)] = [:]
        for report in voters.compactMap(\.report) {
            guard let leader = report.leader else { continue }
            let current = counts[leader] ?? (report.term, 0)
            if report.term > current.term {
                counts[leader] = (report.term, 1)
            } else if report.term == current.term {
                counts[leader] = (current.term, current.votes + 1)
            }
        }
        if let (leader, best) = counts.max(by: { ($0.value.votes, $1.key) < ($1.value.votes, $0.key) }), best.votes >= needed {
            return .agreed(leader: leader, votes: best.votes, members: voters.count)
        }
        let said = results.map { result -> String in
            let name = isVoter(result) ? result.member.id : "\(result.member.id) (listener)"
            guard let report = result.report else { return "\(name) did not answer" }
            return "\(name) names \(report.leader ?? "no leader")"
        }.joined(separator: ", ")
        let answered = voters.filter { $0.report != nil }.count
        if answered < needed {
            return .none(reason: "no quorum: \(answered) of \(voters.count) voters answer, \(needed) needed for a leader (\(said))")
        }
        return .none(reason: "no leader agreed by a majority (\(needed) of \(voters.count) voters needed; \(said))")
    }

    /// Whether `result` is a voter's: its report's role when it answered, else its cluster.yaml role.
    private static func isVoter(_ result: ClusterStatusProbe.Result) -> Bool {
        if let report = result.report { return report.role != "learner" }
        return result.member.role == .voter
    }
}
