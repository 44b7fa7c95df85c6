import Broadcast

/// A snapshot of a node's clock sync, read at one local instant: for `GET /v1/playback` and the
/// `raftcast_clock_*` metrics.
public struct ClockSyncStatus: Hashable, Sendable {
    /// Whether cluster time is known here.
    public var synchronized: Bool
    /// Whether this node serves the timeline (it leads) rather than following a server.
    public var isTimekeeper: Bool
    /// The node this one takes cluster time from; nil while it leads or no leader is known.
    public var server: String?
    /// The local monotonic instant this status describes, in nanoseconds.
    public var localNanoseconds: Int64
    /// Cluster time at that instant; nil while unsynchronized.
    public var clusterNanoseconds: Int64?
    /// Cluster time minus local time; nil while unsynchronized.
    public var offsetNanoseconds: Int64?
    /// How far cluster time here may be from the server's; nil while unsynchronized, 0 on the leader.
    public var errorBoundNanoseconds: Int64?
    /// Steps taken (errors above the step threshold), ever.
    public var steps: Int
    /// Samples the clock accepted, ever.
    public var acceptedSamples: Int
    /// Responses dropped (stale, unexpected or mismatched), ever.
    public var droppedResponses: Int
    /// Probes this node answered, ever.
    public var answeredProbes: Int
}
