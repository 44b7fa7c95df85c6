import BinaryCoding
import Transport

/// What every member knows about one member of the cluster: its id, its node-to-node (Raft) and HTTP
/// addresses, and its role. It travels in the log as the context of a membership change
/// (`Raft.ConfChange.context`) and is kept in snapshots, so the membership and every member's
/// addresses survive restarts of every node.
///
/// Committed bytes are hostile (a buggy or malicious proposer, a damaged disk): ``init(encoded:)``
/// validates every field and throws rather than trap, and a node ignores a change whose record does
/// not decode (logging the error; every node decides the same).
///
/// Encoding (version 1, little endian, no trailing bytes):
/// ```
///  0        4     5     6     7          7+n   9+n          9+n+r  11+n+r        11+n+r+h
///  +--------+-----+-----+-----+----------+-----+------------+------+-------------+
///  | "RCMR" | ver | role| n   | id       | r   | raft addr  | h    | http addr   |
///  +--------+-----+-----+-----+----------+-----+------------+------+-------------+
///    magic    u8    u8    u8    n bytes    u16   r bytes      u16    h bytes
/// ```
/// `role` is 0 (voter) or 1 (listener); `id` follows the cluster.yaml rules (1-64 letters, digits,
/// `.`, `_`, `-`); the addresses are `host:port` as in cluster.yaml (``ClusterConfig/parseAddress(_:)``).
/// A later version adds fields after these; a reader refuses versions it does not know.
public struct MemberRecord: Sendable, Hashable {
    /// The format's magic.
    public static let magic: [UInt8] = Array("RCMR".utf8)
    /// The version written.
    public static let version: UInt8 = 1
    /// Longest address text accepted, in bytes (a 253-byte DNS name, ':' and a 5-digit port).
    public static let maxAddressBytes = 259

    /// The member's name (as in cluster.yaml).
    public var id: String
    /// Node-to-node (transport) address.
    public var raft: PeerAddress
    /// HTTP API address.
    public var http: PeerAddress
    /// Voter or listener.
    public var role: MemberRole

    /// A record; ``validationProblem`` says whether it can be encoded.
    public init(id: String, raft: PeerAddress, http: PeerAddress, role: MemberRole) {
        self.id = id
        self.raft = raft
        self.http = http
        self.role = role
    }

    /// The record of a cluster.yaml member, with `role`.
    public init(_ member: ClusterConfig.Member, role: MemberRole) {
        self.init(id: member.id, raft: member.raft, http: member.http, role: role)
    }

    /// The Raft node id of this member (``ClusterConfig/raftID(for:)``).
    public var raftID: UInt64 { ClusterConfig.raftID(for: id) }

    /// Why this record could not be encoded and read back (nil when it can).
    public var validationProblem: String? {
        if !ClusterConfigParser.isValidID(id) {
            return "id \"\(UntrustedText.escaped(String(id.prefix(80))))\" may contain only letters, digits, '.', '_' and '-' (1-\(ClusterConfigParser.maximumIDLength) characters)"
        }
        for (name, address) in [("raft", raft), ("http", http)] {
            guard ClusterConfig.parseAddress(address.description) == address else {
                return "\(name) address \"\(UntrustedText.escaped(String(address.description.prefix(80))))\" is not host:port"
            }
        }
        return nil
    }

    /// The encoded record (see the type's documentation). Encode only a record without ``validationProblem``.
    public var encoded: [UInt8] {
        let id = Array(self.id.utf8), raft = Array(self.raft.description.utf8), http = Array(self.http.description.utf8)
        var writer = LittleEndianWriter(capacity: Self.magic.count + 9 + id.count + raft.count + http.count)
        writer.bytes(Self.magic)
        writer.u8(Self.version)
        writer.u8(role.rawValue)
        writer.u8(UInt8(truncatingIfNeeded: id.count))
        writer.bytes(id)
        writer.u16(UInt16(truncatingIfNeeded: raft.count))
        writer.bytes(raft)
        writer.u16(UInt16(truncatingIfNeeded: http.count))
        writer.bytes(http)
        return writer.buffer
    }

    /// Decodes and validates ``encoded``.
    /// - Throws: ``MemberRecordError`` for anything but a valid version-1 record.
    public init(encoded bytes: [UInt8]) throws(MemberRecordError) {
        var offset = 0
        func take(_ count: Int, _ what: String) throws(MemberRecordError) -> ArraySlice<UInt8> {
            guard count <= bytes.count - offset else {
                throw MemberRecordError("truncated in \(what) (\(bytes.count) bytes)")
            }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        func u16(_ what: String) throws(MemberRecordError) -> Int {
            let field = try take(2, what)
            return Int(field[field.startIndex]) | Int(field[field.startIndex + 1]) << 8
        }
        guard Array(try take(Self.magic.count, "magic")) == Self.magic else {
            throw MemberRecordError("not a member record (no \"RCMR\" magic)")
        }
        let version = try take(1, "version").first!
        guard version == Self.version else { throw MemberRecordError("unsupported version \(version)") }
        let roleByte = try take(1, "role").first!
        guard let role = MemberRole(rawValue: roleByte) else { throw MemberRecordError("unknown role \(roleByte)") }
        let idLength = Int(try take(1, "id length").first!)
        guard let id = String(validating: try take(idLength, "id"), as: UTF8.self),
            ClusterConfigParser.isValidID(id)
        else {
            throw MemberRecordError(
                "id is not 1-\(ClusterConfigParser.maximumIDLength) letters, digits, '.', '_' or '-'")
        }
        func address(_ name: String) throws(MemberRecordError) -> PeerAddress {
            let length = try u16("\(name) address length")
            guard length <= Self.maxAddressBytes else {
                throw MemberRecordError("\(name) address is \(length) bytes, over \(Self.maxAddressBytes)")
            }
            guard let text = String(validating: try take(length, "\(name) address"), as: UTF8.self),
                let parsed = ClusterConfig.parseAddress(text)
            else { throw MemberRecordError("\(name) address is not host:port") }
            return parsed
        }
        let raft = try address("raft")
        let http = try address("http")
        guard offset == bytes.count else { throw MemberRecordError("\(bytes.count - offset) trailing bytes") }
        self.init(id: id, raft: raft, http: http, role: role)
    }
}
