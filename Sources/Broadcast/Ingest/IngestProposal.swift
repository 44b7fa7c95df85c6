/// What a proposal carries.
public enum IngestProposal: Sendable, Hashable {
    /// The stream's start.
    case streamStart
    /// Fragment `index`, `bytes` long (Media record).
    case fragment(index: Int, bytes: Int)
    /// The stream's end after `fragmentCount` fragments.
    case streamEnd(fragmentCount: Int)
}
