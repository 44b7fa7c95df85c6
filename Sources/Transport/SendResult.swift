/// What ``Transport/send(_:to:lane:)`` did with a message.
public enum SendResult: Sendable, Hashable {
    /// Accepted: it will be written if the connection holds.
    case queued
    /// Not accepted, for this reason (counted in the peer's ``LinkStatus``).
    case dropped(DropReason)
}
