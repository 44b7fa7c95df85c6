import Raft

/// The replicated state machine each simulated node runs: it folds every
/// applied entry into a rolling digest of the apply sequence, and tracks the
/// membership the applied conf changes produced: the Raft ``ConfState`` and
/// the member table (``SimMemberTable``, addresses from the changes' contexts).
///
/// Its snapshot is the digest and the index it covers, so a node that
/// installs a snapshot continues the same sequence, and the invariant checker
/// can verify a prefix it only knows by its digest; and the member table.
///
/// Snapshot data layout (little endian):
/// ```
///  0               8              16
///  +---------------+---------------+---------------------------------------+
///  | applied index |    digest     | member table (SimMemberTable.encoded) |
///  +---------------+---------------+---------------------------------------+
/// ```
public struct SimAppState: Sendable, Hashable {
    /// Index of the last applied entry (or of the snapshot restored).
    public private(set) var appliedIndex: UInt64
    /// Rolling digest of the apply sequence `1 ... appliedIndex`.
    public private(set) var digest: UInt64
    /// Membership after the last applied conf change (or as of the snapshot).
    public var confState: ConfState
    /// The member table after the last applied conf change (or as of the snapshot).
    public var members: SimMemberTable

    /// The state of a node that has applied nothing; `members` defaults to the founders' table of `confState`.
    public init(confState: ConfState, members: SimMemberTable? = nil) {
        appliedIndex = 0
        digest = 0
        self.confState = confState
        self.members = members ?? SimMemberTable(founders: confState)
    }

    /// The digest of one entry's contents (kind and payload).
    @inlinable
    public static func entryDigest(_ entry: Entry) -> UInt64 {
        StableHash.mix(StableHash.fnv1a(entry.data), UInt64(entry.kind.rawValue))
    }

    /// The digest of the apply sequence after appending an entry to one with digest `previous`.
    @inlinable
    public static func rolling(_ previous: UInt64, index: UInt64, term: UInt64, entryDigest: UInt64) -> UInt64 {
        StableHash.mix(StableHash.mix(previous, index), StableHash.mix(term, entryDigest))
    }

    /// Applies the next entry; the caller checks that it is `appliedIndex + 1`.
    public mutating func apply(_ entry: Entry, entryDigest: UInt64) {
        digest = SimAppState.rolling(digest, index: entry.index, term: entry.term, entryDigest: entryDigest)
        appliedIndex = entry.index
    }

    /// The snapshot payload for the current state.
    public var snapshotData: [UInt8] {
        var out: [UInt8] = []
        let table = members.encoded
        out.reserveCapacity(16 + table.count)
        withUnsafeBytes(of: appliedIndex.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: digest.littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: table)
        return out
    }

    /// The state a snapshot restores; nil when its data is not a simulator snapshot.
    /// An empty snapshot gives `founders` as the member table.
    public init?(snapshot: Snapshot, founders: SimMemberTable? = nil) {
        if snapshot.isEmpty {
            self.init(confState: snapshot.metadata.confState, members: founders)
            return
        }
        let bytes = snapshot.data
        guard bytes.count > 16, let members = SimMemberTable(encoded: bytes[16...]) else { return nil }
        var index: UInt64 = 0
        var digest: UInt64 = 0
        for i in 0..<8 {
            index |= UInt64(bytes[i]) << (8 * UInt64(i))
            digest |= UInt64(bytes[8 + i]) << (8 * UInt64(i))
        }
        guard index == snapshot.metadata.index else { return nil }
        self.init(confState: snapshot.metadata.confState, members: members)
        self.appliedIndex = index
        self.digest = digest
    }
}
