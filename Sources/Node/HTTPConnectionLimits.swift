/// Bounds on the HTTP API's connections (docs/node.md, "Connection limits").
///
/// A connection counts from its accept to its close. While it waits for a request head it is
/// *evictable*: at ``maxConnections`` a new connection closes the longest-waiting evictable connection
/// of the address holding the most (``Transport/ConnectionAdmission``), so a slowloris flood churns its
/// own connections and a client that sends its request at once still gets in. A connection that is
/// handling a request (an upload, an event stream) is never evicted; when every counted connection is
/// busy, new ones are closed on accept.
public struct HTTPConnectionLimits: Sendable, Hashable {
    /// Most connections open at once (default 512: with the raft port's 128 unauthenticated
    /// connections and the node's own files it fits a limit of 1024 descriptors).
    public var maxConnections: Int
    /// A new connection must deliver a complete request head within this (default 5 s); bytes
    /// trickled slowly do not extend it.
    public var requestHeadTimeout: Duration
    /// Between requests on a kept-alive connection, the next head must be complete within this, and
    /// while a request body is read no part of it may be more than this apart (default 30 s).
    public var idleTimeout: Duration
    /// Most `GET /v1/events` streams at once (default 128); more are answered 503 `too-many-streams`.
    /// A stream keeps its connection busy for as long as the client likes, so without this a client
    /// could take every connection with them.
    public var maxEventStreams: Int

    /// Limits with the given values (each has a default).
    public init(
        maxConnections: Int = 512, requestHeadTimeout: Duration = .seconds(5), idleTimeout: Duration = .seconds(30),
        maxEventStreams: Int = 128
    ) {
        self.maxConnections = maxConnections
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.maxEventStreams = maxEventStreams
    }
}
