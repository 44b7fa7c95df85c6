/// The programme as the HTTP API shows it (`GET /v1/queue`, and the answer of every queue write;
/// docs/openapi.yaml): the item playing at the node's cluster now, with its position, and the items after
/// it with their planned start times. Times are cluster times in nanoseconds; `*_seconds` are relative.
///
/// ```json
/// {"cluster_time_ns": 1733300000000000000,
///  "playing": {"stream_id": "00000000000000a1", "name": "talk", "state": "playing", "start_ns": …,
///              "planned_start_ns": …, "starts_in_seconds": -12.5, "position_seconds": 12.5,
///              "duration_seconds": 20.0, "planned_duration_seconds": 20.0, "cut": false, "ingest": "ended"},
///  "upcoming": [{"stream_id": "00000000000000b2", "state": "queued", "start_ns": …, …}]}
/// ```
public struct QueueResource: Sendable, Hashable, Codable {
    /// One programme item.
    public struct Item: Sendable, Hashable, Codable {
        /// The stream's id (16 hex digits).
        public var streamID: String
        /// The stream's display name.
        public var name: String
        /// "playing", "queued" (its start is known), or "waiting" (an item before it has no end yet).
        public var state: String
        /// Its exact start, once known.
        public var startNs: Int64?
        /// Its start, or the best guess of it.
        public var plannedStartNs: Int64
        /// Seconds from the node's cluster now to the planned start (negative once it started).
        public var startsInSeconds: Double?
        /// Seconds played, for the playing item.
        public var positionSeconds: Double?
        /// Its exact length, once known (the declared length, or up to its cut).
        public var durationSeconds: Double?
        /// Its length, or the best guess of it.
        public var plannedDurationSeconds: Double
        /// Whether a skip, stop, removal or `--now` cut it.
        public var cut: Bool
        /// Its stream's ingest: "ingesting", "ended" or "failed".
        public var ingest: String

        enum CodingKeys: String, CodingKey {
            case name, state, cut, ingest
            case streamID = "stream_id"
            case startNs = "start_ns"
            case plannedStartNs = "planned_start_ns"
            case startsInSeconds = "starts_in_seconds"
            case positionSeconds = "position_seconds"
            case durationSeconds = "duration_seconds"
            case plannedDurationSeconds = "planned_duration_seconds"
        }

        /// An item with every field given.
        public init(
            streamID: String, name: String, state: String, startNs: Int64?, plannedStartNs: Int64,
            startsInSeconds: Double?, positionSeconds: Double?, durationSeconds: Double?,
            plannedDurationSeconds: Double, cut: Bool, ingest: String
        ) {
            self.streamID = streamID
            self.name = name
            self.state = state
            self.startNs = startNs
            self.plannedStartNs = plannedStartNs
            self.startsInSeconds = startsInSeconds
            self.positionSeconds = positionSeconds
            self.durationSeconds = durationSeconds
            self.plannedDurationSeconds = plannedDurationSeconds
            self.cut = cut
            self.ingest = ingest
        }

        /// Encodes every key (unknown values as null).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(streamID, forKey: .streamID)
            try c.encode(name, forKey: .name)
            try c.encode(state, forKey: .state)
            try c.encode(startNs, forKey: .startNs)
            try c.encode(plannedStartNs, forKey: .plannedStartNs)
            try c.encode(startsInSeconds, forKey: .startsInSeconds)
            try c.encode(positionSeconds, forKey: .positionSeconds)
            try c.encode(durationSeconds, forKey: .durationSeconds)
            try c.encode(plannedDurationSeconds, forKey: .plannedDurationSeconds)
            try c.encode(cut, forKey: .cut)
            try c.encode(ingest, forKey: .ingest)
        }
    }

    /// The node's cluster now (nil before clock sync: then nothing is known to be playing).
    public var clusterTimeNs: Int64?
    /// The item playing at `cluster_time_ns`.
    public var playing: Item?
    /// The items after it, in play order.
    public var upcoming: [Item]

    enum CodingKeys: String, CodingKey {
        case playing, upcoming
        case clusterTimeNs = "cluster_time_ns"
    }

    /// A queue with every field given.
    public init(clusterTimeNs: Int64?, playing: Item?, upcoming: [Item]) {
        self.clusterTimeNs = clusterTimeNs
        self.playing = playing
        self.upcoming = upcoming
    }

    /// Encodes every key (`playing` and `cluster_time_ns` as null when absent).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(clusterTimeNs, forKey: .clusterTimeNs)
        try c.encode(playing, forKey: .playing)
        try c.encode(upcoming, forKey: .upcoming)
    }
}

/// The body of `POST /v1/queue/move`.
public struct QueueMoveRequest: Sendable, Hashable, Codable {
    /// The upcoming stream to move.
    public var streamID: String
    /// Its new place among the upcoming items (0: plays next).
    public var position: Int

    enum CodingKeys: String, CodingKey {
        case position
        case streamID = "stream_id"
    }

    /// A move.
    public init(streamID: String, position: Int) {
        self.streamID = streamID
        self.position = position
    }
}
