/// One item of the programme: a stream, and what the queue's decisions fixed about it.
///
/// Where it lies on the cluster timeline is derived (``Catalogue/programmeSchedule()``): it starts when the
/// item before it ends, or at its stream's own `startClusterTime` if that is later (the programme was idle
/// when it was queued), unless an ``anchor`` fixes its start.
public struct ProgrammeItem: Sendable, Hashable {
    /// The stream played.
    public var stream: StreamID
    /// A fixed start, set when the items before it leave the programme's history (its start must not move
    /// when they are forgotten).
    public var anchor: ClusterTime?
    /// The item ends after this fragment (a skip, stop, removal or `--now`): at the end of that fragment's
    /// audio, on every node.
    public var cutAfterFragment: Int?

    /// An item for `stream`.
    public init(stream: StreamID, anchor: ClusterTime? = nil, cutAfterFragment: Int? = nil) {
        self.stream = stream
        self.anchor = anchor
        self.cutAfterFragment = cutAfterFragment
    }
}
