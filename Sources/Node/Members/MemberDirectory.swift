import BinaryCoding
import Raft
import RaftcastClient

/// The replicated member directory: every member's ``RaftcastClient/MemberRecord`` (id, Raft and HTTP
/// addresses, role), by id. Part of the node's state machine: it starts from cluster.yaml (``init(bootstrap:)``),
/// changes only when a committed membership change is applied (``apply(_:)``), and is kept in node
/// snapshots (``encoded``), so every node that applied the same index holds the same directory.
///
/// Applying a `Raft.ConfChange`:
/// - add (voter or learner) with a ``RaftcastClient/MemberRecord`` as context: the record is stored, with
///   the role the operation gives (`addVoter` → voter, `addLearner` → listener);
/// - add without context (the first leader's bootstrap entries): a known member takes the operation's role;
///   an unknown one is ignored (no addresses to record);
/// - remove: the member with that Raft id leaves;
/// - a context that is not a valid record, or names another Raft id than the change, is ignored
///   (``MemberDirectoryChange/ignored(_:)``); the Raft membership still changes, alike on every node.
public struct MemberDirectory: Sendable, Hashable {
    /// Every member, by id.
    public private(set) var records: [String: MemberRecord]
    /// Member id by Raft id.
    private var idsByRaftID: [NodeID: String]

    /// A directory of `records` (the last record wins for an id given twice).
    public init(_ records: [MemberRecord] = []) {
        self.records = [:]
        self.idsByRaftID = [:]
        for record in records { set(record) }
    }

    /// The members of cluster.yaml with their roles.
    public init(bootstrap cluster: ClusterConfig) {
        self.init(cluster.nodes.map { MemberRecord($0, role: $0.role) })
    }

    /// The members, sorted by id.
    public var members: [MemberRecord] { records.keys.sorted().map { records[$0]! } }

    /// The member with Raft id `raftID`.
    public func member(raftID: NodeID) -> MemberRecord? { idsByRaftID[raftID].flatMap { records[$0] } }

    /// The member `id`.
    public func member(id: String) -> MemberRecord? { records[id] }

    /// The Raft membership the directory describes (voters and listeners).
    public var confState: ConfState {
        ConfState(
            voters: records.values.filter { $0.role == .voter }.map(\.raftID),
            learners: records.values.filter { $0.role == .listener }.map(\.raftID))
    }

    /// Applies a committed membership change (see the type's documentation).
    public mutating func apply(_ change: ConfChange) -> MemberDirectoryChange {
        switch change.operation {
        case .remove:
            guard let id = idsByRaftID.removeValue(forKey: change.node), let old = records.removeValue(forKey: id) else {
                return .unchanged
            }
            return .removed(old)
        case .addVoter, .addLearner:
            let role: MemberRole = change.operation == .addVoter ? .voter : .listener
            var record: MemberRecord
            if change.context.isEmpty {
                guard let known = member(raftID: change.node) else {
                    return .ignored("raft node \(change.node) was added without a member record; its addresses are unknown")
                }
                record = known
            } else {
                do {
                    record = try MemberRecord(encoded: change.context)
                } catch {
                    return .ignored("change of raft node \(change.node): \(error)")
                }
                guard record.raftID == change.node else {
                    return .ignored("change of raft node \(change.node) carries the record of \"\(record.id)\" (raft node \(record.raftID))")
                }
            }
            record.role = role
            let old = records[record.id]
            guard old != record else { return .unchanged }
            set(record)
            return old.map { .updated(from: $0, to: record) } ?? .added(record)
        }
    }

    private mutating func set(_ record: MemberRecord) {
        records[record.id] = record
        idsByRaftID[record.raftID] = record.id
    }

    /// Directory encoding in node snapshots (little endian), members sorted by id:
    /// ```
    ///  0        4                    4+4+n
    ///  +--------+--------+----------+--------+----------+ ...
    ///  | count  | n      | record   | n      | record   |
    ///  +--------+--------+----------+--------+----------+ ...
    ///    u32      u32      MemberRecord.encoded
    /// ```
    public var encoded: [UInt8] {
        var writer = LittleEndianWriter(capacity: 4 + records.count * 64)
        writer.u32(UInt32(records.count))
        for record in members { writer.lengthPrefixed(record.encoded) }
        return writer.buffer
    }

    /// The most members a snapshot's directory may list (far above any real cluster; bounds hostile counts).
    public static let maxMembers = 4096

    /// Decodes ``encoded``.
    /// - Throws: ``MemberRecordError`` for anything else (truncation, trailing bytes, a bad or repeated record).
    public init(encoded bytes: ArraySlice<UInt8>) throws(MemberRecordError) {
        var offset = bytes.startIndex
        func u32() throws(MemberRecordError) -> Int {
            guard bytes.endIndex - offset >= 4 else { throw MemberRecordError("member directory truncated") }
            defer { offset += 4 }
            return (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        let count = try u32()
        guard count <= Self.maxMembers else { throw MemberRecordError("member directory lists \(count) members") }
        var records: [MemberRecord] = []
        for _ in 0..<count {
            let length = try u32()
            guard bytes.endIndex - offset >= length else { throw MemberRecordError("member directory truncated") }
            let record = try MemberRecord(encoded: Array(bytes[offset..<(offset + length)]))
            offset += length
            guard records.allSatisfy({ $0.id != record.id && $0.raftID != record.raftID }) else {
                throw MemberRecordError("member directory lists \"\(record.id)\" twice")
            }
            records.append(record)
        }
        guard offset == bytes.endIndex else { throw MemberRecordError("\(bytes.endIndex - offset) trailing bytes after the member directory") }
        self.init(records)
    }
}
