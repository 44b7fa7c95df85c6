import Raft

/// The simulator's stand-in for the node's member record: what every simulated node knows about a
/// member, carried as the context of a membership change (``Raft/ConfChange/context``) and kept in
/// the simulated snapshot (``SimMemberTable``).
///
/// Encoding (little endian, no trailing bytes; anything else does not decode):
/// ```
///  0     1     2            10     12
///  +-----+-----+------------+------+-----------------+
///  | ver | role|  node id   |  n   | address (UTF-8) |
///  +-----+-----+------------+------+-----------------+
///    u8    u8      u64        u16     n <= 255 bytes
/// ```
public struct SimMember: Sendable, Hashable {
    /// The version written and the only one read.
    public static let version: UInt8 = 1
    /// Longest address.
    public static let maxAddressBytes = 255

    /// The member's Raft id.
    public var node: NodeID
    /// A synthetic address (`sim-<id>-<generation>:7000`).
    public var address: String
    /// True for a voter, false for a learner.
    public var isVoter: Bool

    public init(node: NodeID, address: String, isVoter: Bool) {
        self.node = node
        self.address = address
        self.isVoter = isVoter
    }

    /// The address a member has before any change gave it one (the founders' "cluster.yaml").
    public static func defaultAddress(of node: NodeID) -> String { "sim-\(node)-0:7000" }

    /// The encoded record.
    public var encoded: [UInt8] {
        let address = Array(self.address.utf8.prefix(Self.maxAddressBytes))
        var out: [UInt8] = [Self.version, isVoter ? 0 : 1]
        withUnsafeBytes(of: node.littleEndian) { out.append(contentsOf: $0) }
        out.append(UInt8(truncatingIfNeeded: address.count))
        out.append(UInt8(truncatingIfNeeded: address.count >> 8))
        out.append(contentsOf: address)
        return out
    }

    /// Decodes ``encoded``; nil for anything else.
    public init?<Bytes: Collection<UInt8>>(encoded bytes: Bytes) {
        let bytes = Array(bytes)
        guard bytes.count >= 12, bytes[0] == Self.version, bytes[1] <= 1 else { return nil }
        var node: UInt64 = 0
        for i in 0..<8 { node |= UInt64(bytes[2 + i]) << (8 * UInt64(i)) }
        let length = Int(bytes[10]) | Int(bytes[11]) << 8
        guard node != 0, length <= Self.maxAddressBytes, bytes.count == 12 + length,
            let address = String(validating: bytes[12...], as: UTF8.self)
        else { return nil }
        self.init(node: node, address: address, isVoter: bytes[1] == 0)
    }
}
