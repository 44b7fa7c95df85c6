/// The answer of `GET /v1/cluster`: one node's view of the cluster.
///
/// ```json
/// {"id":"n1","role":"leader","term":3,"leader":"n1","leader_http":"127.0.0.1:8101",
///  "commit_index":42,"applied_index":42,"last_log_index":42,"snapshot_index":0,
///  "applied_count":42,"applied_hash":"9f0c…","peers":[{"id":"n2","match_index":42,"last_contact_ms":12}]}
/// ```
public struct ClusterStatusReport: Sendable, Hashable, Codable {
    /// A follower as the leader sees it.
    public struct Peer: Sendable, Hashable, Codable {
        public var id: String
        public var matchIndex: UInt64
        public var nextIndex: UInt64
        public var state: String
        /// Milliseconds since the leader last heard from it; nil when never.
        public var lastContactMs: Int64?

        public init(id: String, matchIndex: UInt64, nextIndex: UInt64, state: String, lastContactMs: Int64?) {
            self.id = id
            self.matchIndex = matchIndex
            self.nextIndex = nextIndex
            self.state = state
            self.lastContactMs = lastContactMs
        }

        enum CodingKeys: String, CodingKey {
            case id, state
            case matchIndex = "match_index"
            case nextIndex = "next_index"
            case lastContactMs = "last_contact_ms"
        }
    }

    /// A member of the cluster as cluster.yaml names it: its id and HTTP address.
    public struct Member: Sendable, Hashable, Codable {
        public var id: String
        /// Its `http` address, `host:port` (IPv6 in brackets).
        public var http: String

        public init(id: String, http: String) {
            self.id = id
            self.http = http
        }
    }

    public var id: String
    public var role: String
    public var term: UInt64
    /// The leader's id, or nil when none is known.
    public var leader: String?
    /// The leader's HTTP address, or nil.
    public var leaderHTTP: String?
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    public var lastLogIndex: UInt64
    public var snapshotIndex: UInt64
    /// Entries applied in total (including those a snapshot covers).
    public var appliedCount: UInt64
    /// The rolling hash of the applied entries, 16 hex digits.
    public var appliedHash: String
    /// Followers' progress; only on the leader.
    public var peers: [Peer]
    /// The node's release (``RaftcastVersion``); nil from a node older than 0.7.0.
    public var version: String?
    /// Every member of the replicated member directory with its HTTP address, sorted by id (what the web
    /// app moves between); nil from an older node.
    public var members: [Member]?
    /// What the operator should know about this node, when something: `removed from the cluster (…)`
    /// (with role `removed`), or `refused by n1, n2: not a member` (peers refuse its connections). Absent
    /// otherwise.
    public var notice: String?

    public init(
        id: String, role: String, term: UInt64, leader: String?, leaderHTTP: String?, commitIndex: UInt64,
        appliedIndex: UInt64, lastLogIndex: UInt64, snapshotIndex: UInt64, appliedCount: UInt64,
        appliedHash: String, peers: [Peer], version: String? = nil, members: [Member]? = nil
    ) {
        self.id = id
        self.role = role
        self.term = term
        self.leader = leader
        self.leaderHTTP = leaderHTTP
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.lastLogIndex = lastLogIndex
        self.snapshotIndex = snapshotIndex
        self.appliedCount = appliedCount
        self.appliedHash = appliedHash
        self.peers = peers
        self.version = version
        self.members = members
    }

    enum CodingKeys: String, CodingKey {
        case id, role, term, leader, peers, version, members, notice
        case leaderHTTP = "leader_http"
        case commitIndex = "commit_index"
        case appliedIndex = "applied_index"
        case lastLogIndex = "last_log_index"
        case snapshotIndex = "snapshot_index"
        case appliedCount = "applied_count"
        case appliedHash = "applied_hash"
    }
}
