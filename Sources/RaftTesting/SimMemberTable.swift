import Raft

/// The member table of a simulated node's state machine: id → ``SimMember``, built from the founders'
/// membership and changed by every committed conf change, the way the node's member directory is.
///
/// An add (voter or learner) whose context is a ``SimMember`` for the same node records it, with the
/// role the operation gives; an add without context changes only the role of a member already known
/// (the first leader's bootstrap entries carry none) and adds an unknown one at its default address;
/// a remove drops the member. A context that does not decode, or names another node, changes nothing
/// (``apply(_:)`` says why), the same on every node. Members are kept sorted by id, so iteration and
/// ``digest`` are deterministic.
public struct SimMemberTable: Sendable, Hashable {
    /// The members, ascending by id.
    public private(set) var members: [SimMember] = []
    /// A digest of ``members``, kept current.
    public private(set) var digest: UInt64 = SimMemberTable.emptyDigest

    private static let emptyDigest: UInt64 = 0x5EED

    /// An empty table.
    public init() {}

    /// The founders' table: every member of `confState` at its default address.
    public init(founders confState: ConfState) {
        for node in confState.members {
            set(SimMember(node: node, address: SimMember.defaultAddress(of: node), isVoter: confState.voters.contains(node)))
        }
    }

    /// The member `node`, if known.
    public func member(_ node: NodeID) -> SimMember? { members.first { $0.node == node } }

    /// Applies a committed membership change.
    /// - Returns: why the change's context was ignored, or nil.
    @discardableResult
    public mutating func apply(_ change: ConfChange) -> String? {
        switch change.operation {
        case .remove:
            members.removeAll { $0.node == change.node }
            refreshDigest()
            return nil
        case .addVoter, .addLearner:
            let isVoter = change.operation == .addVoter
            if change.context.isEmpty {
                var member = self.member(change.node)
                    ?? SimMember(node: change.node, address: SimMember.defaultAddress(of: change.node), isVoter: isVoter)
                member.isVoter = isVoter
                set(member)
                return nil
            }
            guard var member = SimMember(encoded: change.context) else {
                return "context of \(change.context.count) bytes is not a member record; ignored"
            }
            guard member.node == change.node else {
                return "context names node \(member.node), the change node \(change.node); ignored"
            }
            member.isVoter = isVoter
            set(member)
            return nil
        }
    }

    private mutating func set(_ member: SimMember) {
        if let at = members.firstIndex(where: { $0.node == member.node }) {
            members[at] = member
        } else {
            members.insert(member, at: members.firstIndex { $0.node > member.node } ?? members.count)
        }
        refreshDigest()
    }

    private mutating func refreshDigest() {
        var d = Self.emptyDigest
        for m in members {
            d = StableHash.mix(d, StableHash.mix(m.node, StableHash.mix(StableHash.fnv1a(Array(m.address.utf8)), m.isVoter ? 1 : 2)))
        }
        digest = d
    }

    /// The table in snapshot data: a u16 count, then each member as a u16 length and ``SimMember/encoded``.
    public var encoded: [UInt8] {
        var out: [UInt8] = [UInt8(truncatingIfNeeded: members.count), UInt8(truncatingIfNeeded: members.count >> 8)]
        for m in members {
            let bytes = m.encoded
            out.append(UInt8(truncatingIfNeeded: bytes.count))
            out.append(UInt8(truncatingIfNeeded: bytes.count >> 8))
            out.append(contentsOf: bytes)
        }
        return out
    }

    /// Decodes ``encoded`` (ids ascending, each once, no trailing bytes); nil for anything else.
    public init?<Bytes: Collection<UInt8>>(encoded bytes: Bytes) {
        let bytes = Array(bytes)
        guard bytes.count >= 2 else { return nil }
        let count = Int(bytes[0]) | Int(bytes[1]) << 8
        var offset = 2
        for _ in 0..<count {
            guard bytes.count - offset >= 2 else { return nil }
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            offset += 2
            guard bytes.count - offset >= length, let member = SimMember(encoded: bytes[offset..<(offset + length)]),
                members.last.map({ $0.node < member.node }) ?? true
            else { return nil }
            offset += length
            members.append(member)
        }
        guard offset == bytes.count else { return nil }
        refreshDigest()
    }
}
