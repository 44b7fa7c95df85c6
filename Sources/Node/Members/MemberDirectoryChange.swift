import RaftcastClient

/// What applying one committed membership change did to a ``MemberDirectory``.
public enum MemberDirectoryChange: Sendable, Hashable {
    /// A member that was not in the directory.
    case added(MemberRecord)
    /// A member's record changed (addresses or role).
    case updated(from: MemberRecord, to: MemberRecord)
    /// A member left.
    case removed(MemberRecord)
    /// Nothing changed (e.g. the first leader's bootstrap entries, or removing an unknown node).
    case unchanged
    /// The change's record was unusable and was ignored; the reason, one line, safe to log.
    case ignored(String)
}
