import Raft

extension RandomRun {
    /// The context a random membership change carries, as a node's would carry its member record: for
    /// an add, a ``SimMember`` at the member's known address or (half the time) a new synthetic one;
    /// for a remove, usually nothing. One change in ten carries hostile bytes instead, which every
    /// node must ignore alike (the Raft membership still changes).
    static func memberContext(for change: ConfChange, table: SimMemberTable, plan: inout SimRandom) -> [UInt8] {
        if plan.chance(0.1) {
            return (0..<plan.int(in: 1...40)).map { _ in UInt8(truncatingIfNeeded: plan.uint64(in: 0...255)) }
        }
        let known = table.member(change.node)
        switch change.operation {
        case .remove:
            return plan.chance(0.2) ? known?.encoded ?? [] : []
        case .addVoter, .addLearner:
            let address =
                known.map(\.address).flatMap { plan.chance(0.5) ? $0 : nil }
                ?? "sim-\(change.node)-\(plan.uint64(in: 1...999)):7000"
            return SimMember(node: change.node, address: address, isVoter: change.operation == .addVoter).encoded
        }
    }
}
