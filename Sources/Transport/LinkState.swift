/// The state of the outbound connection of one lane to one peer.
public enum LinkState: String, Sendable, Hashable {
    /// Dialing or authenticating; sends are queued (bounded).
    case connecting
    /// Authenticated; sends are written.
    case connected
    /// The last attempt failed; waiting to redial. Sends are dropped.
    case backingOff = "backing_off"
    /// The transport is shut down.
    case stopped
}
