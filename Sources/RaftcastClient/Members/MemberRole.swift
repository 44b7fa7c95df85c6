/// What a member does in the cluster: a voter counts towards the Raft quorum and may lead; a listener
/// (a Raft learner) receives and plays everything in sync but never votes and never leads.
public enum MemberRole: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A Raft voter.
    case voter = 0
    /// A Raft learner.
    case listener = 1

    /// `voter` or `listener`, as in cluster.yaml, the API and the command line.
    public var description: String {
        switch self {
        case .voter: "voter"
        case .listener: "listener"
        }
    }

    /// The role named `text` (`voter` or `listener`), or nil.
    public init?(name text: String) {
        guard let role = Self.allCases.first(where: { $0.description == text }) else { return nil }
        self = role
    }
}
