import Broadcast

/// What one demo run left behind, gathered once every node has stopped: the input of
/// ``DemoVerdict``.
public struct DemoOutcome: Sendable, Hashable {
    /// A node's WAV capture.
    public struct Capture: Sendable, Hashable {
        /// The file.
        public var path: String
        /// Its size in bytes (nil when it does not exist).
        public var bytes: Int?

        /// A capture with every field given.
        public init(path: String, bytes: Int?) {
            self.path = path
            self.bytes = bytes
        }

        /// Seconds of 48 kHz stereo 16-bit audio after the 44-byte WAV header ALSA's file plugin writes.
        public var seconds: Double? { bytes.map { Double(max($0 - 44, 0)) / 192_000 } }
    }

    /// Every node, in id order.
    public var nodes: [String]
    /// The leader the demo SIGKILLed (nil when it never got that far).
    public var killedLeader: String?
    /// From the kill to the first poll that saw a new leader agreed by a majority.
    public var timeToNewLeader: Duration?
    /// The stream's id (play-log records of other streams are ignored).
    public var stream: String?
    /// The stream's fragment count.
    public var expectedFragments: Int?
    /// Fragments committed when the leader was killed: the takeover happens between fragment
    /// `committedAtKill − 1` and the next ones.
    public var committedAtKill: Int?
    /// `raftcast ingest`'s exit status (nil when it never ended).
    public var ingestStatus: Int32?
    /// The last line `raftcast ingest` printed (its error when it failed).
    public var ingestMessage: String?
    /// Every node's play log (`<data_dir>/play-log.jsonl`), by node id; a node without one is absent.
    public var playLogs: [String: [PlayLogRecord]]
    /// Every node's WAV capture, when capturing to files.
    public var captures: [String: Capture]
    /// Single frames each node inserted or dropped for drift, as it last reported them (absent when
    /// it never did).
    public var driftCorrections: [String: Int]

    /// An outcome with every field given.
    public init(
        nodes: [String], killedLeader: String?, timeToNewLeader: Duration?, stream: String?, expectedFragments: Int?,
        committedAtKill: Int?, ingestStatus: Int32?, ingestMessage: String? = nil, playLogs: [String: [PlayLogRecord]], captures: [String: Capture],
        driftCorrections: [String: Int] = [:]
    ) {
        self.nodes = nodes
        self.killedLeader = killedLeader
        self.timeToNewLeader = timeToNewLeader
        self.stream = stream
        self.expectedFragments = expectedFragments
        self.committedAtKill = committedAtKill
        self.ingestStatus = ingestStatus
        self.ingestMessage = ingestMessage
        self.playLogs = playLogs
        self.captures = captures
        self.driftCorrections = driftCorrections
    }

    /// The nodes that were not killed.
    public var survivors: [String] { nodes.filter { $0 != killedLeader } }
}
