import Broadcast

/// The body of `GET /v1/playback`: the engine's ``PlaybackStatus`` (its snake_case keys, e.g.
/// `state`, `stream`, `position_seconds`, `clock_offset_ns`, `clock_error_bound_ns`), plus `node`
/// and the clock-sync figures (`cluster_time_ns`, `local_time_ns`, `clock_synchronized`,
/// `clock_server`, `clock_timekeeper`, `clock_steps`, `clock_samples`). A member with `audio: none`
/// answers `"state": "disabled"` with the clock figures; one whose device failed, `"state": "failed"`
/// and `error`.
/// ```
/// {"clock_error_bound_ns":412000,"clock_offset_ns":-31,"clock_server":"n1","clock_synchronized":true,
///  "cluster_time_ns":81234567890,"local_time_ns":81234567921,"node":"n2","state":"disabled",…}
/// ```
public struct PlaybackReport: Encodable, Sendable {
    /// The member's id.
    public var node: String
    /// What the playback service reports.
    public var playback: PlaybackService.Snapshot
    /// The node's clock sync, read at one instant.
    public var clock: ClockSyncStatus?

    enum ExtraKeys: String, CodingKey {
        case node, state, error, notice
        case clockOffsetNanoseconds = "clock_offset_ns"
        case clockErrorBoundNanoseconds = "clock_error_bound_ns"
        case clusterTimeNanoseconds = "cluster_time_ns"
        case localTimeNanoseconds = "local_time_ns"
        case clockSynchronized = "clock_synchronized"
        case clockServer = "clock_server"
        case clockTimekeeper = "clock_timekeeper"
        case clockSteps = "clock_steps"
        case clockSamples = "clock_samples"
    }

    /// A report of `playback` and `clock` for member `node`.
    public init(node: String, playback: PlaybackService.Snapshot, clock: ClockSyncStatus?) {
        self.node = node
        self.playback = playback
        self.clock = clock
    }

    /// One JSON object: the engine's status (when it runs) and the keys above.
    public func encode(to encoder: any Encoder) throws {
        if let engine = playback.engine { try engine.encode(to: encoder) }
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(node, forKey: .node)
        if playback.engine == nil {
            try container.encode(playback.enabled ? (playback.error == nil ? "starting" : "failed") : "disabled", forKey: .state)
            try container.encodeIfPresent(clock?.offsetNanoseconds, forKey: .clockOffsetNanoseconds)
            try container.encodeIfPresent(clock?.errorBoundNanoseconds, forKey: .clockErrorBoundNanoseconds)
        }
        try container.encodeIfPresent(playback.error, forKey: .error)
        try container.encodeIfPresent(playback.notice, forKey: .notice)
        if let clock {
            try container.encodeIfPresent(clock.clusterNanoseconds, forKey: .clusterTimeNanoseconds)
            try container.encode(clock.localNanoseconds, forKey: .localTimeNanoseconds)
            try container.encode(clock.synchronized, forKey: .clockSynchronized)
            try container.encodeIfPresent(clock.server, forKey: .clockServer)
            try container.encode(clock.isTimekeeper, forKey: .clockTimekeeper)
            try container.encode(clock.steps, forKey: .clockSteps)
            try container.encode(clock.acceptedSamples, forKey: .clockSamples)
        }
    }
}
