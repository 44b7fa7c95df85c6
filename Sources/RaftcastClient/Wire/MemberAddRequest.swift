import Transport

/// The body of `POST /v1/members` (docs/openapi.yaml): the new member's id, addresses and role.
///
/// ```json
/// {"id": "kitchen", "raft": "10.0.0.7:7100", "http": "10.0.0.7:8100", "role": "listener"}
/// ```
public struct MemberAddRequest: Sendable, Hashable, Codable {
    /// The member's id (as in cluster.yaml: 1-64 letters, digits, '.', '_', '-').
    public var id: String
    /// Node-to-node address, `host:port`.
    public var raft: String
    /// HTTP address, `host:port`.
    public var http: String
    /// `listener` (the default when absent) or `voter`.
    public var role: String?

    public init(id: String, raft: String, http: String, role: String? = nil) {
        self.id = id
        self.raft = raft
        self.http = http
        self.role = role
    }

    /// The record this request describes, or why it is not one (``MemberRecordError/reason``: one line, the field first).
    public func record() -> Result<MemberRecord, MemberRecordError> {
        guard ClusterConfig.isValidMemberID(id) else {
            return .failure(MemberRecordError(
                "id: \"\(UntrustedText.escaped(String(id.prefix(80))))\" may contain only letters, digits, '.', '_' and '-' (1-\(ClusterConfig.maximumMemberIDLength) characters)"))
        }
        var addresses: [PeerAddress] = []
        for (name, text) in [("raft", raft), ("http", http)] {
            guard text.utf8.count <= MemberRecord.maxAddressBytes, let address = ClusterConfig.parseAddress(text) else {
                return .failure(MemberRecordError("\(name): \"\(UntrustedText.escaped(String(text.prefix(80))))\" is not host:port"))
            }
            addresses.append(address)
        }
        let roleName = role ?? "listener"
        guard let role = MemberRole(name: roleName) else {
            return .failure(MemberRecordError("role: \"\(UntrustedText.escaped(String(roleName.prefix(80))))\" is not voter or listener"))
        }
        let record = MemberRecord(id: id, raft: addresses[0], http: addresses[1], role: role)
        if let problem = record.validationProblem { return .failure(MemberRecordError(problem)) }
        return .success(record)
    }
}
