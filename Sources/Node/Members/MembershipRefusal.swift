import RaftcastClient

/// Why the leader refused a membership change before proposing anything (``MembershipCheck``,
/// ``RaftLoop/proposeMembership(_:timeout:)``). Each case has a one-line ``message`` (what the API's
/// problem `detail` and the CLI print) and a ``slug`` (the problem `type`).
public enum MembershipRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// No member has this id.
    case unknownMember(String)
    /// `add` of an id that is already a member.
    case idTaken(String)
    /// `add` of an id whose Raft id (the FNV-1a hash of the id) is already used, by member `holder` or by
    /// a Raft node the directory does not name.
    case raftIDTaken(id: String, holder: String)
    /// `add` with a Raft or HTTP address another member uses.
    case addressTaken(address: String, holder: String)
    /// The leader would remove or demote itself.
    case leaderWouldLeave(String)
    /// After the change, the voters heard from recently (this leader included) would not be a majority of
    /// the voters.
    case wouldLoseQuorum(change: String, live: Int, voters: Int)
    /// `promote` of a listener that is behind the leader's log or has not answered recently.
    case notCaughtUp(id: String, match: UInt64, lastIndex: UInt64, heard: Bool)
    /// `promote` of a voter or `demote` of a listener.
    case alreadyInRole(id: String, role: MemberRole)
    /// Another membership change is proposed and not yet applied (one at a time).
    case changeInProgress
    /// This node does not lead; `leader` names the leader when known.
    case notLeader(leader: String?)
    /// The record cannot be encoded (a bad id or address); the API checks this first.
    case invalidRecord(String)
    /// The Raft core refused the change or the proposal (e.g. too many uncommitted bytes).
    case coreRefused(String)

    /// One line: what was refused and why.
    public var message: String {
        switch self {
        case .unknownMember(let id):
            "no member \"\(id)\""
        case .idTaken(let id):
            "\"\(id)\" is already a member"
        case let .raftIDTaken(id, holder):
            "the Raft id of \"\(id)\" (a hash of the id) is already used by \(holder); choose another id"
        case let .addressTaken(address, holder):
            "address \(address) is already used by member \"\(holder)\""
        case .leaderWouldLeave(let id):
            "\"\(id)\" leads the cluster: it cannot remove or demote itself; transfer leadership first (stop or restart it)"
        case let .wouldLoseQuorum(change, live, voters):
            "\(change) would lose the quorum: \(live) of the \(voters) voters after it would be reachable, a majority is \(voters / 2 + 1)"
        case let .notCaughtUp(id, match, lastIndex, heard):
            heard
                ? "\"\(id)\" has not caught up: it holds the log up to \(match) of \(lastIndex); promote it once it has"
                : "\"\(id)\" has not answered the leader recently; promote it once it is up and has caught up"
        case let .alreadyInRole(id, role):
            "\"\(id)\" is already a \(role)"
        case .changeInProgress:
            "another membership change (or a new leader's first entry) is not applied yet; retry in a moment"
        case .notLeader(let leader):
            "this node does not lead" + (leader.map { "; the leader is \($0)" } ?? " and knows no leader")
        case .invalidRecord(let reason):
            reason
        case .coreRefused(let reason):
            "the change was refused: \(reason)"
        }
    }

    /// The problem type's slug in the API (`https://raftcast.dev/problems/<slug>`).
    public var slug: String {
        switch self {
        case .unknownMember: "unknown-member"
        case .idTaken, .raftIDTaken, .addressTaken: "member-taken"
        case .leaderWouldLeave: "leader-would-leave"
        case .wouldLoseQuorum: "would-lose-quorum"
        case .notCaughtUp: "not-caught-up"
        case .alreadyInRole: "already-in-role"
        case .changeInProgress: "change-in-progress"
        case .notLeader: "no-leader"
        case .invalidRecord: "bad-member"
        case .coreRefused: "membership-refused"
        }
    }

    public var description: String { message }
}
