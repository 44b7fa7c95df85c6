import Node
import Raft
import RaftcastClient
import Transport

extension FuzzTargets {
    /// A committed membership change as every node applies it: `ConfChange(encoded:)`, then its context
    /// applied to a member directory (`MemberDirectory.apply`, which decodes the `MemberRecord`). An
    /// accepted change re-encodes to the input's bytes (or, for an explicit empty context, to the 9-byte
    /// form); an accepted record is valid, and the directory's record re-encodes to bytes that decode to it;
    /// the directory's snapshot encoding round-trips.
    static func memberChange() -> FuzzTarget {
        func record(_ id: String, _ n: Int, _ role: MemberRole) -> MemberRecord {
            MemberRecord(id: id, raft: PeerAddress(host: "10.0.0.\(n)", port: 7100), http: PeerAddress(host: "host-\(n).local", port: 8100), role: role)
        }
        let founders = MemberDirectory([record("n1", 1, .voter), record("n2", 2, .voter), record("n3", 3, .voter)])
        let records = [
            record("kitchen", 4, .listener), record("n2", 2, .voter),
            MemberRecord(id: "tv.room_2", raft: PeerAddress(host: "fe80::1", port: 65535), http: PeerAddress(host: "a", port: 1), role: .voter),
        ]
        var changes = records.enumerated().map { i, r in
            ConfChange(i == 1 ? .addVoter : .addLearner, node: r.raftID, context: r.encoded)
        }
        changes.append(ConfChange(.remove, node: ClusterConfig.raftID(for: "n3")))
        let seeds = changes.map { change in
            var l = FuzzLayout()
            l.fields(1, 1)
            l.fields(1, 8)
            if !change.context.isEmpty, let r = try? MemberRecord(encoded: change.context) {
                l.field(4, .length)
                l.skip(4)
                l.fields(2, 1)
                l.blob(prefixWidth: 1, r.id.utf8.count)
                l.blob(prefixWidth: 2, r.raft.description.utf8.count)
                l.blob(prefixWidth: 2, r.http.description.utf8.count)
            }
            return FuzzSeed(name: "\(change.operation) \(change.context.count)", bytes: change.encoded, fields: l.fields)
        }
        return FuzzTarget(
            name: "member-change", summary: "a committed conf change and its member record: ConfChange(encoded:), MemberDirectory.apply",
            seeds: seeds,
            check: { input throws(FuzzViolation) in
                guard let change = ConfChange(encoded: input) else { return .rejected }
                let again = change.encoded
                try FuzzViolation.require(
                    again == input || (change.context.isEmpty && input.count == 13 && again == Array(input.prefix(9))),
                    "an accepted conf change re-encodes to other bytes")
                var directory = founders
                let outcome = directory.apply(change)
                let encodedDirectory = directory.encoded
                let decoded = Result { () throws(MemberRecordError) in try MemberDirectory(encoded: encodedDirectory[...]) }
                try FuzzViolation.require(
                    (try? decoded.get()) == directory, "the directory's snapshot encoding does not round-trip")
                switch outcome {
                case .ignored:
                    return .rejected
                case .added(let r), .updated(_, let r):
                    try FuzzViolation.require(r.validationProblem == nil, "an invalid record was accepted")
                    try FuzzViolation.require((try? MemberRecord(encoded: r.encoded)) == r, "an accepted record does not round-trip")
                    try FuzzViolation.require(r.raftID == change.node, "a record for another node was accepted")
                    return .accepted
                case .removed, .unchanged:
                    return .accepted
                }
            })
    }
}
