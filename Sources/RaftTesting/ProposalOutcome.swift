import Raft

/// The result of asking a node to propose.
public enum ProposalOutcome: Sendable {
    case accepted(ProposalTicket)
    case rejected(ProposalError)
    case nodeDown

    /// The ticket when accepted.
    public var ticket: ProposalTicket? {
        if case .accepted(let t) = self { return t }
        return nil
    }
}
