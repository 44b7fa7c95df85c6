import RaftcastClient

/// What the demo saw of one node at one poll: its process, and its answers to `GET /v1/cluster` and
/// `GET /v1/playback` (nil when it did not answer).
public struct DemoNodeSample: Sendable, Hashable {
    /// The node's process as the demo knows it.
    public enum ProcessState: Sendable, Hashable {
        /// Started and not known to have exited.
        case running
        /// SIGKILLed by the demo.
        case killed
        /// Exited by itself with this status.
        case exited(Int32)
    }

    /// The node's id.
    public var id: String
    /// Its process.
    public var process: ProcessState
    /// `/v1/cluster`, when it answered.
    public var cluster: ClusterStatusReport?
    /// `/v1/playback`, when it answered.
    public var playback: DemoPlayback?

    /// A sample with every field given.
    public init(id: String, process: ProcessState, cluster: ClusterStatusReport?, playback: DemoPlayback?) {
        self.id = id
        self.process = process
        self.cluster = cluster
        self.playback = playback
    }
}
