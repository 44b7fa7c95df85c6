import Raft
import RaftcastClient

/// The leader's decision whether a ``MembershipRequest`` may be proposed, and the `Raft.ConfChange` it
/// becomes. A pure function of what the leader knows (its directory, its Raft status, who it heard from
/// recently), so it is tested without a cluster; ``RaftLoop`` runs it on its thread just before proposing.
///
/// Refusals (``MembershipRefusal``), in this order: not the leader; a change already in progress; an
/// unusable record; unknown id (remove/promote/demote) or taken id, Raft id or address (add); already in
/// that role; the leader removing or demoting itself; a promotion of a listener that is behind or silent;
/// a change after which the voters heard from recently would not be a majority of the new voter set.
///
/// "Heard from recently" is the Raft loop's last contact within the election timeout, not the core's
/// `recentActive`: the core sets that optimistically for every peer of a new leader and for every new
/// member, which would count a dead voter as alive.
public struct MembershipCheck: Sendable {
    /// How far (in entries) a listener's match index may be behind the leader's last index to be promoted.
    public static let catchUpEntries: UInt64 = 64

    /// The replicated member directory.
    public var directory: MemberDirectory
    /// The leader's Raft status (membership in force, progress, last index).
    public var status: Status
    /// Whether a membership change is proposed and not yet applied (`RaftNode.hasPendingConfChange`).
    public var changePending: Bool
    /// The Raft ids heard from within the election timeout (this node need not be included).
    public var heard: Set<NodeID>
    /// The member id of the leader when this node does not lead (for ``MembershipRefusal/notLeader(leader:)``).
    public var leaderName: String?

    public init(directory: MemberDirectory, status: Status, changePending: Bool, heard: Set<NodeID>, leaderName: String? = nil) {
        self.directory = directory
        self.status = status
        self.changePending = changePending
        self.heard = heard
        self.leaderName = leaderName
    }

    /// The change to propose for `request` and the record it carries, or why not.
    public func change(for request: MembershipRequest) -> Result<(ConfChange, MemberRecord), MembershipRefusal> {
        guard status.role == .leader else { return .failure(.notLeader(leader: leaderName)) }
        if changePending { return .failure(.changeInProgress) }
        let change: ConfChange
        let record: MemberRecord
        switch request {
        case .add(let new):
            if let problem = new.validationProblem { return .failure(.invalidRecord(problem)) }
            if directory.member(id: new.id) != nil { return .failure(.idTaken(new.id)) }
            if let holder = directory.member(raftID: new.raftID) {
                return .failure(.raftIDTaken(id: new.id, holder: "member \"\(holder.id)\""))
            }
            if status.confState.members.contains(new.raftID) {
                return .failure(.raftIDTaken(id: new.id, holder: "a Raft member without a record"))
            }
            for other in directory.members {
                for address in [new.raft, new.http] where address == other.raft || address == other.http {
                    return .failure(.addressTaken(address: "\(address)", holder: other.id))
                }
            }
            record = new
            change = ConfChange(new.role == .voter ? .addVoter : .addLearner, node: new.raftID, context: new.encoded)
        case .remove(let id), .promote(let id), .demote(let id):
            guard var member = directory.member(id: id) else { return .failure(.unknownMember(id)) }
            let operation: ConfChange.Operation
            switch request {
            case .promote:
                if member.role == .voter { return .failure(.alreadyInRole(id: id, role: .voter)) }
                member.role = .voter
                operation = .addVoter
            case .demote:
                if member.role == .listener { return .failure(.alreadyInRole(id: id, role: .listener)) }
                member.role = .listener
                operation = .addLearner
            default:
                operation = .remove
            }
            if member.raftID == status.id && operation != .addVoter { return .failure(.leaderWouldLeave(id)) }
            if case .promote = request {
                let match = status.progress[member.raftID]?.match ?? 0
                let heard = heard.contains(member.raftID)
                if !heard || match + Self.catchUpEntries < status.lastIndex {
                    return .failure(.notCaughtUp(id: id, match: match, lastIndex: status.lastIndex, heard: heard))
                }
            }
            record = member
            change = ConfChange(operation, node: member.raftID, context: member.encoded)
        }
        let voters = change.applied(to: status.confState).voters
        let live = voters.filter { $0 == status.id || heard.contains($0) }.count
        if live <= voters.count / 2 {
            return .failure(.wouldLoseQuorum(change: "\(request.verb) \(request.memberID)", live: live, voters: voters.count))
        }
        return .success((change, record))
    }
}
