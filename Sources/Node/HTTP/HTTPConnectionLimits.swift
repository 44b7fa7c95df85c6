/// Bounds on the HTTP API's connections (docs/node.md, "Connection limits").
///
/// A connection counts from its accept to its close. While it waits for a request head it is
/// *evictable*: at ``maxConnections`` a new connection closes the longest-waiting evictable connection
/// of the address holding the most (``Transport/ConnectionAdmission``), so a slowloris flood churns its
/// own connections and a client that sends its request at once still gets in. A connection that is
/// handling a request (an upload, an event stream) is never evicted; when every counted connection is
/// busy, new ones are closed on accept.
public struct HTTPConnectionLimits: Sendable, Hashable {
    /// Most connections open at once (default 256: far more than the operators' tools, dashboards and
    /// event-stream clients of one node need; with the raft port's 128 unauthenticated connections and
    /// the node's own files it takes under half of a limit of 1024 descriptors). Every admitted
    /// connection costs Hummingbird a task, so under a flood fewer slots also mean less churn.
    public var maxConnections: Int
    /// A new connection must deliver a complete request head within this (default 5 s); bytes
    /// trickled slowly do not extend it. Each connection's deadline is drawn between 80 % and 100 % of
    /// it, so connections opened together do not all expire together.
    public var requestHeadTimeout: Duration
    /// Between requests on a kept-alive connection, the next head must be complete within this, and
    /// while a request body is read no part of it may be more than this apart (default 30 s).
    public var idleTimeout: Duration
    /// Most `GET /v1/events` streams at once (default 64); more are answered 503 `too-many-streams`.
    /// A stream keeps its connection busy for as long as the client likes, so without this a client
    /// could take every connection with them.
    public var maxEventStreams: Int

    /// Length of the listener's queue of connections not accepted yet: room for a client's connect
    /// while a flood is being accepted and refused (a full queue drops the SYN, and the client retries
    /// only a second later).
    public static let acceptBacklog = 1024

    /// Limits with the given values (each has a default).
    public init(
        maxConnections: Int = 256, requestHeadTimeout: Duration = .seconds(5), idleTimeout: Duration = .seconds(30),
        maxEventStreams: Int = 64
    ) {
        self.maxConnections = maxConnections
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.maxEventStreams = maxEventStreams
    }
}
