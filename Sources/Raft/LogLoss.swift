/// What a node knows about entries its log lost after it may have
/// acknowledged them (an operator cut the log with `raftcast wal repair`, or
/// the stored commit index lies beyond the last stored entry).
///
/// Such a node may have been part of the quorum that committed an entry it no
/// longer holds, and may have voted in a term whose vote it no longer
/// remembers. If it voted on its shortened log it could help elect a leader
/// that lacks a committed entry, or vote twice in one term. So a node started
/// with a ``Config/logLoss`` (only with the operator's consent):
/// - grants no vote or pre-vote and never campaigns;
/// - flags its rejections of appends (and of heartbeats whose commit index is
///   beyond its log) with ``Message/logLoss``, so that the leader forgets the
///   match it recorded for it and sends the entries again;
/// - leaves this mode once its log reaches ``index`` with entries from a known
///   leader in a term at least ``term``; it then records a vote for that leader
///   if it has none in that term (harmless: the leader already won it), so that
///   it cannot grant a second vote in a term it may have voted in.
public struct LogLoss: Sendable, Hashable, CustomStringConvertible {
    /// The highest index the log may have held (and acknowledged).
    public var index: UInt64
    /// The highest term the node may have seen or voted in.
    public var term: UInt64

    /// A loss of entries up to `index`, seen in terms up to `term`.
    public init(index: UInt64, term: UInt64) {
        self.index = index
        self.term = term
    }

    /// The larger of two losses, field by field.
    public func merged(with other: LogLoss) -> LogLoss {
        LogLoss(index: max(index, other.index), term: max(term, other.term))
    }

    public var description: String { "entries up to index \(index), terms up to \(term)" }
}
