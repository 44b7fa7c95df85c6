/// The body of `GET /v1/members` (docs/openapi.yaml): every member of the cluster as the answering node's
/// replicated member directory lists it, sorted by id, with what that node sees of each.
///
/// ```json
/// {"members": [
///   {"id": "n1", "role": "voter", "raft": "10.0.0.1:7100", "http": "10.0.0.1:8100", "self": true,
///    "reachable": true, "match_index": 1234},
///   {"id": "kitchen", "role": "listener", "raft": "10.0.0.7:7100", "http": "10.0.0.7:8100", "self": false,
///    "reachable": false, "match_index": null}]}
/// ```
public struct MemberList: Sendable, Hashable, Codable {
    /// One member.
    public struct Member: Sendable, Hashable, Codable {
        /// The member's id.
        public var id: String
        /// `voter` or `listener`.
        public var role: String
        /// Node-to-node address, `host:port`.
        public var raft: String
        /// HTTP address, `host:port`.
        public var http: String
        /// Whether it is the answering node.
        public var isSelf: Bool
        /// Whether the answering node has a live connection to it (always true for itself).
        public var reachable: Bool
        /// The highest log index the leader knows the member holds; null unless the answering node leads.
        public var matchIndex: UInt64?

        public init(id: String, role: String, raft: String, http: String, isSelf: Bool, reachable: Bool, matchIndex: UInt64?) {
            self.id = id
            self.role = role
            self.raft = raft
            self.http = http
            self.isSelf = isSelf
            self.reachable = reachable
            self.matchIndex = matchIndex
        }

        enum CodingKeys: String, CodingKey {
            case id, role, raft, http, reachable
            case isSelf = "self"
            case matchIndex = "match_index"
        }

        /// Writes `match_index` as null when absent, as documented.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(role, forKey: .role)
            try c.encode(raft, forKey: .raft)
            try c.encode(http, forKey: .http)
            try c.encode(isSelf, forKey: .isSelf)
            try c.encode(reachable, forKey: .reachable)
            try c.encode(matchIndex, forKey: .matchIndex)
        }
    }

    /// The members, sorted by id.
    public var members: [Member]

    public init(members: [Member]) {
        self.members = members
    }
}
