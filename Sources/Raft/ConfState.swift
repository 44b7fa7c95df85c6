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
public struct ConfChange: Sendable, Hashable {
    public enum Operation: UInt8, Sendable, Hashable, CaseIterable {
        /// Add a voter, or promote a learner to voter.
        case addVoter = 0
        /// Add a learner (or demote a voter to learner).
        case addLearner = 1
        /// Remove a voter or learner.
        case remove = 2
    }

    public var operation: Operation
    public var node: NodeID

    public init(_ operation: Operation, node: NodeID) {
        self.operation = operation
        self.node = node
    }

    /// Encoding used in the entry payload: 1 byte operation, 8 bytes node id (little endian).
    public var encoded: [UInt8] {
        var out: [UInt8] = [operation.rawValue]
        withUnsafeBytes(of: node.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Decodes ``encoded``; nil for bytes that are not a conf change.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == 9, let op = Operation(rawValue: bytes[0]) else { return nil }
        var node: UInt64 = 0
        for i in 0..<8 { node |= UInt64(bytes[1 + i]) << (8 * UInt64(i)) }
        self.init(op, node: node)
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
