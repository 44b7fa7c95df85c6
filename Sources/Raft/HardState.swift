/// The state a node must persist before it sends any message that depends on
/// it: the current term, the vote cast in it, and the highest known commit index.
public struct HardState: Sendable, Hashable {
    public var term: UInt64
    public var vote: NodeID
    public var commit: UInt64

    public init(term: UInt64 = 0, vote: NodeID = .none, commit: UInt64 = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    /// True for the state of a node that has never run.
    public var isEmpty: Bool { term == 0 && vote == .none && commit == 0 }
}
