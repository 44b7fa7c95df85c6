/// Losing the leader before the election timeout says so (issue 18: failover in tens of milliseconds).
///
/// When a process dies the kernel resets its connections, so the nodes that followed it learn at once
/// that it is gone. ``reportLeaderUnreachable(_:)`` lets the caller pass that on: a follower whose leader
/// is `peer` forgets it — its lease is over, so it grants the pre-votes of others that lost the leader too
/// — and campaigns (with pre-vote) in an order every node derives alike, so that two campaigns rarely
/// split the vote: the voter of lowest id among the others campaigns at once, the next one a tick later,
/// and so on (each still at the latest when its own election timeout would have fired):
///
/// ```
///   leader 2 dies ── resets seen ──► node 1 (rank 0): pre-vote, vote, leads      (no timeout waited)
///                                    node 3 (rank 1): campaigns after 1 tick — by then it has granted
///                                                     node 1's pre-vote and vote and follows it
/// ```
/// Safety is pre-vote's: a pre-vote changes no term, and it wins only with a majority of voters whose
/// lease is over — voters that still hear a live leader (a reset caused by a network blip on one link)
/// refuse it, the campaigner goes back to following when the leader's next heartbeat arrives, and the
/// leader is never deposed. Without pre-vote, or on a node that is not a follower of `peer`, nothing
/// happens (the election timeout decides, as before).
extension RaftNode {
    /// The transport saw `peer`'s connection reset or refused (a dead process); see the extension's comment.
    public mutating func reportLeaderUnreachable(_ peer: NodeID) {
        guard config.preVote, role == .follower, peer != .none, leader == peer, isPromotable else { return }
        leader = .none
        let rank = confState.voters.filter { $0 != peer && $0 < id }.count
        if rank == 0 {
            electionElapsed = 0
            hup(transfer: false)
        } else {
            electionElapsed = max(electionElapsed, randomizedElectionTimeout - rank)
        }
    }
}
