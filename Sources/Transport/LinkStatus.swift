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

/// Status and counters of one lane to one peer, for `raftcast status` and metrics.
public struct LinkStatus: Sendable, Hashable {
    public var peer: String
    public var lane: Lane
    public var state: LinkState
    /// Failed attempts since the last successful handshake.
    public var consecutiveFailures: Int
    /// Successful handshakes so far.
    public var connects: Int
    /// Messages and payload bytes written to the socket.
    public var sentMessages: Int
    public var sentBytes: Int
    /// Messages and bytes currently queued or being written.
    public var queuedMessages: Int
    public var queuedBytes: Int
    /// Messages dropped, by reason.
    public var dropped: [DropReason: Int]

    /// All drops, whatever the reason.
    public var droppedTotal: Int { dropped.values.reduce(0, +) }
}
