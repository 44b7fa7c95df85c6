/// What a target's decoder made of one input.
public enum FuzzVerdict: Sendable, Hashable {
    /// Decoded, and the decoded value held the target's properties (round trip, …).
    case accepted
    /// Refused with the decoder's typed error.
    case rejected
}
