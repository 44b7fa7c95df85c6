import Foundation

/// The body of `GET /v1/cluster/bootstrap` (docs/openapi.yaml; admin token): what a new machine needs to
/// join (`raftcast node --join`): the cluster's settings and its **bootstrap** member list (the answering
/// node's cluster.yaml `nodes`, which the first leader wrote into the log), so the joiner's member directory
/// replays the log from index 1 to the same table as everyone's (or takes the leader's snapshot).
///
/// ```json
/// {"name": "living-room", "heartbeat_ms": 50, "election_timeout_ms": [150, 300], "fragment_seconds": 2,
///  "playout_delay_ms": 1500, "max_upload_mb": 1024, "open_reads": true, "cors_origin": null,
///  "retention": {"keep_streams": 100, "keep_hours": null},
///  "nodes": [{"id": "n1", "raft": "10.0.0.1:7100", "http": "10.0.0.1:8100", "role": "voter"}]}
/// ```
/// Node-local settings (secret file, data and media folders, audio devices) are not in it.
public struct ClusterBootstrap: Sendable, Hashable, Codable {
    /// One bootstrap member.
    public struct Node: Sendable, Hashable, Codable {
        public var id: String
        public var raft: String
        public var http: String
        /// `voter` or `listener`.
        public var role: String

        public init(id: String, raft: String, http: String, role: String) {
            self.id = id
            self.raft = raft
            self.http = http
            self.role = role
        }
    }

    /// `cluster.retention`: nil values are "no limit".
    public struct Retention: Sendable, Hashable, Codable {
        public var keepStreams: Int?
        public var keepHours: Double?

        enum CodingKeys: String, CodingKey {
            case keepStreams = "keep_streams"
            case keepHours = "keep_hours"
        }

        public init(keepStreams: Int?, keepHours: Double?) {
            self.keepStreams = keepStreams
            self.keepHours = keepHours
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(keepStreams, forKey: .keepStreams)
            try c.encode(keepHours, forKey: .keepHours)
        }
    }

    public var name: String
    public var heartbeatMilliseconds: Int
    public var electionTimeoutMilliseconds: [Int]
    public var fragmentSeconds: Double
    public var playoutDelayMilliseconds: Int
    public var maxUploadMegabytes: Int
    public var openReads: Bool
    public var corsOrigin: String?
    public var retention: Retention
    public var nodes: [Node]

    enum CodingKeys: String, CodingKey {
        case name, retention, nodes
        case heartbeatMilliseconds = "heartbeat_ms"
        case electionTimeoutMilliseconds = "election_timeout_ms"
        case fragmentSeconds = "fragment_seconds"
        case playoutDelayMilliseconds = "playout_delay_ms"
        case maxUploadMegabytes = "max_upload_mb"
        case openReads = "open_reads"
        case corsOrigin = "cors_origin"
    }

    /// The settings and bootstrap members of `cluster`.
    public init(_ cluster: ClusterConfig) {
        name = cluster.name
        heartbeatMilliseconds = cluster.heartbeatMilliseconds
        electionTimeoutMilliseconds = [cluster.electionTimeoutMilliseconds.lowerBound, cluster.electionTimeoutMilliseconds.upperBound]
        fragmentSeconds = cluster.fragmentSeconds
        playoutDelayMilliseconds = cluster.playoutDelayMilliseconds
        maxUploadMegabytes = cluster.maxUploadBytes >> 20
        openReads = cluster.openReads
        corsOrigin = cluster.corsOrigin
        retention = Retention(keepStreams: cluster.retention.keepStreams, keepHours: cluster.retention.keepHours)
        nodes = cluster.nodes.map { Node(id: $0.id, raft: "\($0.raft)", http: "\($0.http)", role: "\($0.role)") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(heartbeatMilliseconds, forKey: .heartbeatMilliseconds)
        try c.encode(electionTimeoutMilliseconds, forKey: .electionTimeoutMilliseconds)
        try c.encode(fragmentSeconds, forKey: .fragmentSeconds)
        try c.encode(playoutDelayMilliseconds, forKey: .playoutDelayMilliseconds)
        try c.encode(maxUploadMegabytes, forKey: .maxUploadMegabytes)
        try c.encode(openReads, forKey: .openReads)
        try c.encode(corsOrigin, forKey: .corsOrigin)
        try c.encode(retention, forKey: .retention)
        try c.encode(nodes, forKey: .nodes)
    }

    /// A cluster.yaml for member `joiner` (appended to the bootstrap members as a listener, or as they list it),
    /// whose secret is in `secretFile` (absolute), data in the file's own folder (`data_dir: .`), playing on
    /// `audio`. Every value is written as a JSON string (valid YAML), so nothing a member sent can break
    /// the file's structure; ``ClusterConfig/load(path:)`` validates it all again.
    public func yaml(joiner: Node, secretFile: String, audio: String?) -> String {
        func quoted(_ text: String) -> String {
            let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var out = "# Written by `raftcast node --join`: the cluster's settings and bootstrap members, and this node.\n"
        out += "cluster:\n"
        out += "  name: \(quoted(name))\n"
        out += "  secret_file: \(quoted(secretFile))\n"
        out += "  heartbeat_ms: \(heartbeatMilliseconds)\n"
        out += "  election_timeout_ms: [\(electionTimeoutMilliseconds.map(String.init).joined(separator: ", "))]\n"
        out += "  fragment_seconds: \(fragmentSeconds)\n"
        out += "  playout_delay_ms: \(playoutDelayMilliseconds)\n"
        out += "  max_upload_mb: \(maxUploadMegabytes)\n"
        out += "  open_reads: \(openReads)\n"
        if let corsOrigin { out += "  cors_origin: \(quoted(corsOrigin))\n" }
        out += "  retention:\n"
        out += "    keep_streams: \(retention.keepStreams.map(String.init) ?? "all")\n"
        if let hours = retention.keepHours { out += "    keep_hours: \(hours)\n" }
        out += "nodes:\n"
        for node in nodes where node.id != joiner.id {
            out += "  - id: \(quoted(node.id))\n    raft: \(quoted(node.raft))\n    http: \(quoted(node.http))\n"
            out += "    role: \(quoted(node.role))\n    data_dir: \(quoted("unused-\(node.id)"))\n"
        }
        out += "  - id: \(quoted(joiner.id))\n    raft: \(quoted(joiner.raft))\n    http: \(quoted(joiner.http))\n"
        out += "    role: \(quoted(joiner.role))\n    data_dir: \".\"\n"
        if let audio { out += "    audio: \(quoted(audio))\n" }
        return out
    }
}
