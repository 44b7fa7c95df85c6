/// A clock-sync probe, sent by a node to the node it takes cluster time from. The transport carries
/// it; ``id`` pairs the response with the probe.
public struct ClockSyncProbe: Hashable, Sendable, Codable {
    /// Chosen by the client, unique among its outstanding probes.
    public var id: UInt64
    /// t0: the client's monotonic time when the probe left (echoed back, never read by the server).
    public var clientSend: Duration

    /// A probe numbered `id` sent at `clientSend`.
    public init(id: UInt64, clientSend: Duration) {
        self.id = id
        self.clientSend = clientSend
    }
}

/// The server's answer to a ``ClockSyncProbe``: its cluster time on receipt and on sending.
public struct ClockSyncResponse: Hashable, Sendable, Codable {
    /// The probe's id.
    public var id: UInt64
    /// t0, echoed.
    public var clientSend: Duration
    /// t1: the server's cluster time when the probe arrived.
    public var serverReceive: ClusterTime
    /// t2: the server's cluster time when the answer left.
    public var serverSend: ClusterTime
    /// The server's own error bound against the timeline (0 when it leads).
    public var serverErrorBound: Duration

    /// A response with the given timestamps.
    public init(
        id: UInt64, clientSend: Duration, serverReceive: ClusterTime, serverSend: ClusterTime,
        serverErrorBound: Duration
    ) {
        self.id = id
        self.clientSend = clientSend
        self.serverReceive = serverReceive
        self.serverSend = serverSend
        self.serverErrorBound = serverErrorBound
    }
}
