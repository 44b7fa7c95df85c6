import RaftcastClient

/// A membership change asked of the leader (``RaftLoop/proposeMembership(_:timeout:)``, the `/v1/members`
/// writes): it becomes one single-server `Raft.ConfChange` whose context is the member's ``MemberRecord``.
public enum MembershipRequest: Sendable, Hashable {
    /// A new member with its record (its role says voter or listener).
    case add(MemberRecord)
    /// Member `id` leaves the cluster.
    case remove(id: String)
    /// Listener `id` becomes a voter.
    case promote(id: String)
    /// Voter `id` becomes a listener.
    case demote(id: String)

    /// The id of the member the change is about.
    public var memberID: String {
        switch self {
        case .add(let record): record.id
        case .remove(let id), .promote(let id), .demote(let id): id
        }
    }

    /// `add`, `remove`, `promote` or `demote`, for log lines.
    public var verb: String {
        switch self {
        case .add: "add"
        case .remove: "remove"
        case .promote: "promote"
        case .demote: "demote"
        }
    }
}
