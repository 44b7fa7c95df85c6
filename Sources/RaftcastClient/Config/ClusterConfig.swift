import Raft
import Transport

/// The cluster configuration, `cluster.yaml`: who the nodes are, where they
/// listen, the shared secret and the cluster's timing. Loaded and validated
/// by ``load(path:)``; every problem is reported at once (``ClusterConfigError``).
///
/// Schema (see docs/configuration.md for every rule):
///
/// ```yaml
/// cluster:
///   name: living-room              # required; 1-255 bytes
///   secret_file: cluster.secret    # required; relative to this file; >= 16 bytes
///   heartbeat_ms: 50               # default 50
///   election_timeout_ms: [150, 300]  # default [150, 300]; min >= 3 x heartbeat, min < max
///   fragment_seconds: 2.0          # default 2.0; 0 < s <= 30
///   playout_delay_ms: 500          # default 500; > 0 (docs/playback-sync.md, "Choosing the playout delay")
///   media_dir: media               # optional; the media library (same files on every node); must be a folder
///   max_upload_mb: 1024            # default 1024; largest upload POST /v1/streams accepts
///   open_reads: true               # default true; false = GET endpoints need the bearer token too
///   cors_origin: https://screens.example  # optional; the one web origin (or "*") browsers may call the API from
///   retention:                     # which finished streams are kept (``Retention``)
///     keep_streams: 100            # default 100; positive integer or "all"
///     keep_hours: 24               # default none; positive number
/// nodes:                           # at least one
///   - id: n1                       # required; letters, digits, '.', '_', '-'
///     raft: 192.168.1.10:7100      # required; host:port
///     http: 192.168.1.10:8100      # required; host:port
///     audio: default               # default "none" (no playback)
///     data_dir: /var/lib/raftcast/n1  # required; relative to this file when relative
///     role: voter                  # default voter; "listener": a Raft learner (plays, never votes); one voter at least
/// ```
public struct ClusterConfig: Sendable, Hashable {
    /// The cluster's name; peers naming another cluster are refused.
    public var name: String
    /// Absolute (or as given, resolved against the config's folder) path of the secret file.
    public var secretFile: String
    /// The secret's bytes (the file's content without trailing whitespace).
    public var secret: [UInt8]
    /// Leader heartbeat interval.
    public var heartbeatMilliseconds: Int
    /// Randomized election timeout range.
    public var electionTimeoutMilliseconds: ClosedRange<Int>
    /// Target fragment length.
    public var fragmentSeconds: Double
    /// How far behind the cluster clock every node plays.
    public var playoutDelayMilliseconds: Int
    /// The members, in file order.
    public var nodes: [Member]
    /// The media library folder (absolute), present with the same content on every node; nil when not set.
    public var mediaDirectory: String?
    /// Largest request body `POST /v1/streams` accepts.
    public var maxUploadBytes: Int
    /// Whether GET endpoints answer without the bearer token.
    public var openReads: Bool
    /// Which finished streams the leader keeps (`cluster.retention`).
    public var retention: Retention
    /// The web origin browsers may call the API from (`cluster.cors_origin`: `scheme://host[:port]`, or `*`);
    /// nil: no CORS headers, only pages served by the nodes themselves call it.
    public var corsOrigin: String?

    /// Default values of the optional settings.
    public enum Defaults {
        public static let heartbeatMilliseconds = 50
        public static let electionTimeoutMilliseconds = 150...300
        public static let fragmentSeconds = 2.0
        public static let playoutDelayMilliseconds = 500
        public static let audio = "none"
        public static let maxUploadMegabytes = 1024
        public static let openReads = true
    }

    /// The election timeout minimum must be at least this many heartbeats.
    public static let minimumElectionToHeartbeatRatio = 3
    /// Shortest secret accepted, in bytes.
    public static let minimumSecretBytes = 16
    /// Largest fragment length accepted, in seconds.
    public static let maximumFragmentSeconds = 30.0

    /// A configuration from already validated values (``load(path:)`` is the validating way in).
    public init(name: String, secretFile: String, secret: [UInt8], heartbeatMilliseconds: Int,
                electionTimeoutMilliseconds: ClosedRange<Int>, fragmentSeconds: Double,
                playoutDelayMilliseconds: Int, nodes: [Member], mediaDirectory: String? = nil,
                maxUploadBytes: Int = Defaults.maxUploadMegabytes << 20, openReads: Bool = Defaults.openReads,
                retention: Retention = .default, corsOrigin: String? = nil) {
        self.corsOrigin = corsOrigin
        self.name = name
        self.secretFile = secretFile
        self.secret = secret
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.electionTimeoutMilliseconds = electionTimeoutMilliseconds
        self.fragmentSeconds = fragmentSeconds
        self.playoutDelayMilliseconds = playoutDelayMilliseconds
        self.nodes = nodes
        self.mediaDirectory = mediaDirectory
        self.maxUploadBytes = maxUploadBytes
        self.openReads = openReads
        self.retention = retention
    }

    /// The member with string id `id`, if any.
    public func member(id: String) -> Member? {
        nodes.first { $0.id == id }
    }

    /// The member whose Raft id is `raftID`, if any.
    public func member(raftID: NodeID) -> Member? {
        nodes.first { $0.raftID == raftID }
    }
}
