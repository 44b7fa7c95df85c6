/// One NTP-style exchange between a node (the client) and the node it takes cluster time from (the
/// server, normally the leader):
///
/// ```
///  client (local monotonic)          server (cluster time it serves)
///   t0 clientSend ─────probe─────▶  t1 serverReceive
///   t3 clientReceive ◀──response──  t2 serverSend
///
///   offset = ((t1 − t0) + (t2 − t3)) / 2     cluster time − local time, at the midpoint (t0 + t3) / 2
///   delay  = (t3 − t0) − (t2 − t1)           the round trip minus the server's turnaround
/// ```
/// With non-negative one-way delays the true offset lies within `offset ± delay / 2`; the error is half
/// the asymmetry of the two one-way delays, so low-delay samples are the trustworthy ones.
public struct ClockSample: Hashable, Sendable, Codable {
    /// t0: when the probe left, on the client's monotonic clock.
    public var clientSend: Duration
    /// t1: when the server received it, in the cluster time the server serves.
    public var serverReceive: ClusterTime
    /// t2: when the server answered, in the cluster time the server serves.
    public var serverSend: ClusterTime
    /// t3: when the answer arrived, on the client's monotonic clock.
    public var clientReceive: Duration
    /// How far the server's own cluster time may be from the timeline (0 for the node that defines it).
    public var serverErrorBound: Duration

    /// A sample from the four timestamps of one exchange.
    public init(
        clientSend: Duration, serverReceive: ClusterTime, serverSend: ClusterTime, clientReceive: Duration,
        serverErrorBound: Duration = .zero
    ) {
        self.clientSend = clientSend
        self.serverReceive = serverReceive
        self.serverSend = serverSend
        self.clientReceive = clientReceive
        self.serverErrorBound = serverErrorBound
    }

    /// A sample from a server's response and the local time it arrived.
    public init(response: ClockSyncResponse, receivedAt clientReceive: Duration) {
        self.init(
            clientSend: response.clientSend, serverReceive: response.serverReceive, serverSend: response.serverSend,
            clientReceive: clientReceive, serverErrorBound: response.serverErrorBound)
    }

    /// Cluster time minus local time at ``midpoint``, in nanoseconds.
    public var offsetNanoseconds: Double {
        let outbound = serverReceive.nanoseconds - clientSend.wholeNanoseconds
        let inbound = serverSend.nanoseconds - clientReceive.wholeNanoseconds
        return (Double(outbound) + Double(inbound)) / 2
    }

    /// The round trip minus the server's turnaround, in nanoseconds.
    public var delayNanoseconds: Int64 {
        (clientReceive - clientSend).wholeNanoseconds - (serverSend.nanoseconds - serverReceive.nanoseconds)
    }

    /// The local instant the offset refers to: halfway between send and receive.
    public var midpoint: Duration {
        clientSend + (clientReceive - clientSend) / 2
    }

    /// Whether the timestamps can come from a real exchange: time runs forward on both sides and the
    /// server's turnaround is not longer than the round trip.
    public var isConsistent: Bool {
        clientReceive >= clientSend && serverSend >= serverReceive && delayNanoseconds >= 0
            && serverErrorBound >= .zero
    }
}
