/// Status and counters of one lane to one peer, for `raftcast status` and metrics.
public struct LinkStatus: Sendable, Hashable {
    /// The peer's id.
    public var peer: String
    /// The lane.
    public var lane: Lane
    /// Where the link is in its life cycle.
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
