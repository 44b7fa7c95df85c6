import RaftcastClient

/// How a membership change asked through ``RaftLoop/proposeMembership(_:timeout:)`` ended.
public enum MembershipOutcome: Sendable, Hashable {
    /// Committed and applied on this (leader) node at `index`; `member` is the record the change carried
    /// (its new role; for a removal, the record the member had).
    case applied(member: MemberRecord, index: UInt64)
    /// Refused before anything was proposed.
    case refused(MembershipRefusal)
    /// Proposed but not applied within the timeout, or leadership was lost before it was (it may still
    /// take effect).
    case timedOut
}
