/// The part of a node's `GET /v1/playback` the demo shows: the engine's state (`idle`,
/// `unsynchronized`, `waiting`, `playing`, or the node's own `disabled`, `starting`, `failed`), the
/// fragment and position of the next sample written, and the last playout error.
public struct DemoPlayback: Sendable, Hashable, Decodable {
    /// The state as the node names it.
    public var state: String
    /// The fragment holding the next sample to be written.
    public var fragment: Int?
    /// The stream position of the next sample to be written, in seconds.
    public var positionSeconds: Double?
    /// The last playout error (heard − due; positive: late), in nanoseconds.
    public var syncErrorNanoseconds: Int64?
    /// Why the device failed, when it did.
    public var error: String?
    /// Whether the node's clock follows the cluster timeline (nil when the node does not say).
    public var clockSynchronized: Bool?
    /// Single frames the node inserted or dropped to correct drift since it started (nil when the node
    /// does not say): 0 means its audio is bit-exact.
    public var driftCorrectionFrames: Int?

    enum CodingKeys: String, CodingKey {
        case state, fragment, error
        case clockSynchronized = "clock_synchronized"
        case positionSeconds = "position_seconds"
        case syncErrorNanoseconds = "sync_error_ns"
        case driftCorrectionFrames = "drift_correction_frames"
    }

    /// A playback report with every field given.
    public init(
        state: String, fragment: Int?, positionSeconds: Double?, syncErrorNanoseconds: Int64?, error: String? = nil,
        clockSynchronized: Bool? = nil, driftCorrectionFrames: Int? = nil
    ) {
        self.state = state
        self.fragment = fragment
        self.positionSeconds = positionSeconds
        self.syncErrorNanoseconds = syncErrorNanoseconds
        self.error = error
        self.clockSynchronized = clockSynchronized
        self.driftCorrectionFrames = driftCorrectionFrames
    }

    /// True when the node is not (or no longer) playing anything: the engine is idle, or the node has
    /// no playback (`disabled`) or lost its device (`failed`).
    public var isDone: Bool { ["idle", "disabled", "failed"].contains(state) }
}
