import Crypto
import Logging

/// Everything a ``Transport`` needs to know: who it is, who its peers are, the
/// shared secret, and its limits.
public struct TransportConfig: Sendable {
    /// Limits of the outbound queue of one lane to one peer. A message that
    /// would exceed either is dropped (and counted), never queued.
    public struct QueueLimits: Sendable, Hashable {
        /// Payload bytes queued or being written.
        public var maxBytes: Int
        /// Messages queued or being written.
        public var maxMessages: Int

        /// Limits of `maxBytes` payload bytes and `maxMessages` messages.
        public init(maxBytes: Int, maxMessages: Int) {
            self.maxBytes = maxBytes
            self.maxMessages = maxMessages
        }
    }

    /// Cluster name; peers that name another cluster are refused.
    public var clusterName: String
    /// The shared secret both ends of every connection prove they know.
    public var secret: [UInt8]
    /// This node's id.
    public var localID: String
    /// Where to accept connections (port 0: any free port, see ``Transport/listeningAddress``).
    public var listenAddress: PeerAddress
    /// Every other node: id → address. Only these ids may connect.
    public var peers: [String: PeerAddress]
    /// Largest payload (frame body) sent or accepted. Larger sends are dropped; larger frames close the connection.
    public var maxFrameSize: Int
    /// Outbound queue limits of the control lane (per peer).
    public var controlQueue: QueueLimits
    /// Outbound queue limits of the bulk lane (per peer).
    public var bulkQueue: QueueLimits
    /// Inbound control messages buffered before reading from control sockets pauses (back-pressure).
    public var inboundControlHighWatermark: Int
    /// Inbound bulk messages buffered before reading from bulk sockets pauses. Bulk messages can be
    /// `maxFrameSize` each, so this bounds the memory a slow consumer costs.
    public var inboundBulkHighWatermark: Int
    /// Redial policy.
    public var backoff: BackoffPolicy
    /// Time allowed for the TCP connect, and then for the handshake. An accepted connection that has not
    /// completed the handshake within it is closed.
    public var handshakeTimeout: Duration
    /// Most accepted connections that have not completed the handshake, from all addresses together
    /// (default 128). At the cap a new connection evicts the oldest one of the address holding the most
    /// (``ConnectionAdmission``), so peers still get in during a flood from a few addresses.
    public var maxPreAuthConnections: Int
    /// Most accepted connections that have not completed the handshake from one address (an IPv6 /64)
    /// (default 16). More are closed on accept. A peer needs at most 2 at once (one per lane); 16
    /// leaves room for several nodes on one machine.
    public var maxPreAuthConnectionsPerSource: Int
    /// Length of the listener's queue of connections the kernel completed and we have not accepted yet.
    public var acceptBacklog: Int
    /// Uniform random numbers in [0, 1) for backoff jitter (injected for tests).
    public var random: @Sendable () -> Double
    /// Where refusals, connection changes and errors are logged.
    public var logger: Logger

    /// A configuration; everything but identity, secret and addresses has a default.
    public init(
        clusterName: String, secret: [UInt8], localID: String, listenAddress: PeerAddress,
        peers: [String: PeerAddress], maxFrameSize: Int = 32 << 20,
        controlQueue: QueueLimits = QueueLimits(maxBytes: 1 << 20, maxMessages: 1024),
        bulkQueue: QueueLimits = QueueLimits(maxBytes: 64 << 20, maxMessages: 1024),
        inboundControlHighWatermark: Int = 256,
        inboundBulkHighWatermark: Int = 8,
        backoff: BackoffPolicy = BackoffPolicy(),
        handshakeTimeout: Duration = .seconds(2),
        maxPreAuthConnections: Int = 128,
        maxPreAuthConnectionsPerSource: Int = 16,
        acceptBacklog: Int = 256,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "raftcast.transport")
    ) {
        self.clusterName = clusterName
        self.secret = secret
        self.localID = localID
        self.listenAddress = listenAddress
        self.peers = peers
        self.maxFrameSize = maxFrameSize
        self.controlQueue = controlQueue
        self.bulkQueue = bulkQueue
        self.inboundControlHighWatermark = inboundControlHighWatermark
        self.inboundBulkHighWatermark = inboundBulkHighWatermark
        self.backoff = backoff
        self.handshakeTimeout = handshakeTimeout
        self.maxPreAuthConnections = maxPreAuthConnections
        self.maxPreAuthConnectionsPerSource = maxPreAuthConnectionsPerSource
        self.acceptBacklog = acceptBacklog
        self.random = random
        self.logger = logger
    }

    /// Inbound high watermark of `lane`.
    public func inboundHighWatermark(for lane: Lane) -> Int {
        lane == .control ? inboundControlHighWatermark : inboundBulkHighWatermark
    }

    /// Queue limits of `lane`.
    public func queueLimits(for lane: Lane) -> QueueLimits {
        lane == .control ? controlQueue : bulkQueue
    }

    var secretKey: SymmetricKey { SymmetricKey(data: secret) }
}
