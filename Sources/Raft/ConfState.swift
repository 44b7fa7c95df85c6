/// The membership of the cluster at some log position.
public struct ConfState: Sendable, Hashable {
    /// Members that vote and count towards quorum.
    public var voters: [NodeID]
    /// Non-voting members that receive the log (to catch up before promotion).
    public var learners: [NodeID]

    public init(voters: [NodeID] = [], learners: [NodeID] = []) {
        self.voters = voters.sorted()
        self.learners = learners.sorted()
    }

    /// Every member, voters first.
    public var members: [NodeID] { voters + learners }
}

/// A single-server membership change, carried by an entry of kind
/// ``EntryKind/confChange``. Only one may be pending at a time.
///
/// Like etcd's `ConfChange.Context`, a change carries an opaque ``context``
/// the core never reads: the application puts there what the members need to
/// know about the node (its addresses, its name) so that it lives in the log.
public struct ConfChange: Sendable, Hashable {
    public enum Operation: UInt8, Sendable, Hashable, CaseIterable {
        /// Add a voter, or promote a learner to voter.
        case addVoter = 0
        /// Add a learner (or demote a voter to learner).
        case addLearner = 1
        /// Remove a voter or learner.
        case remove = 2
    }

    /// Entry payload layout (little endian). A change without context is the
    /// 9-byte form (the only form before contexts existed, still decoded);
    /// one with context appends its length and bytes:
    /// ```
    ///  0    1                9                13
    ///  +----+----------------+----------------+--------------------+
    ///  | op |    node id     | context length |  context bytes ... |
    ///  +----+----------------+----------------+--------------------+
    ///   u8        u64               u32          0 ... maxContextBytes
    /// ```
    public static let headerBytes = 9
    /// Bytes of the context length field.
    public static let contextLengthBytes = 4
    /// The largest context carried (a member record is far smaller); larger payloads do not decode.
    public static let maxContextBytes = 4096

    public var operation: Operation
    public var node: NodeID
    /// Opaque bytes for the application (at most ``maxContextBytes``); the core ignores them.
    public var context: [UInt8]

    public init(_ operation: Operation, node: NodeID, context: [UInt8] = []) {
        self.operation = operation
        self.node = node
        self.context = context
    }

    /// Encoding used in the entry payload (see ``headerBytes`` for the layout): the 9-byte form
    /// when ``context`` is empty. A context over ``maxContextBytes`` would not decode; the core
    /// refuses to propose one.
    public var encoded: [UInt8] {
        var out: [UInt8] = [operation.rawValue]
        out.reserveCapacity(Self.headerBytes + (context.isEmpty ? 0 : Self.contextLengthBytes + context.count))
        withUnsafeBytes(of: node.littleEndian) { out.append(contentsOf: $0) }
        if !context.isEmpty {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: context.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: context)
        }
        return out
    }

    /// Decodes ``encoded``; nil for bytes that are not a conf change (unknown
    /// operation, truncated, trailing bytes, or a context over ``maxContextBytes``).
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count >= Self.headerBytes, let op = Operation(rawValue: bytes[0]) else { return nil }
        var node: UInt64 = 0
        for i in 0..<8 { node |= UInt64(bytes[1 + i]) << (8 * UInt64(i)) }
        var context: [UInt8] = []
        if bytes.count > Self.headerBytes {
            let start = Self.headerBytes + Self.contextLengthBytes
            guard bytes.count >= start else { return nil }
            var length = 0
            for i in 0..<Self.contextLengthBytes { length |= Int(bytes[Self.headerBytes + i]) << (8 * i) }
            guard length <= Self.maxContextBytes, bytes.count - start == length else { return nil }
            context = Array(bytes[start...])
        }
        self.init(op, node: node, context: context)
    }

    /// The membership that results from applying this change to `state`.
    public func applied(to state: ConfState) -> ConfState {
        var voters = Set(state.voters)
        var learners = Set(state.learners)
        switch operation {
        case .addVoter:
            learners.remove(node); voters.insert(node)
        case .addLearner:
            voters.remove(node); learners.insert(node)
        case .remove:
            voters.remove(node); learners.remove(node)
        }
        return ConfState(voters: Array(voters), learners: Array(learners))
    }
}
