/// Everything the live view shows at one instant.
public struct DemoSnapshot: Sendable, Hashable {
    /// Time since the demo started.
    public var elapsed: Duration
    /// What the demo is doing, e.g. `ingesting`, `takeover`, `playing out`.
    public var phase: String
    /// The stream, once the cluster knows it.
    public var stream: DemoStreamProgress?
    /// One sample per node, in id order.
    public var nodes: [DemoNodeSample]
    /// What happened so far, oldest first.
    public var events: [DemoEvent]

    /// A snapshot with every field given.
    public init(elapsed: Duration, phase: String, stream: DemoStreamProgress?, nodes: [DemoNodeSample], events: [DemoEvent]) {
        self.elapsed = elapsed
        self.phase = phase
        self.stream = stream
        self.nodes = nodes
        self.events = events
    }
}
