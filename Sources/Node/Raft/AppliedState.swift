import BinaryCoding
import Raft

/// The replicated state machine of this issue: the ordered list of applied
/// entries and a rolling hash over them. Two replicas that applied the same
/// log have the same ``rollingHash``; a replica restored from a snapshot
/// carries the hash of everything the snapshot covers.
///
/// Snapshot data (``snapshotData``), little-endian:
///
/// ```
///  0        8               16              24              32
///  +--------+---------------+---------------+---------------+
///  | magic  | applied count | rolling hash  | applied index |
///  | "RCAS1\0\0\0"          |   (UInt64)    |   (UInt64)    |
///  +--------+---------------+---------------+---------------+
/// ```
public struct AppliedState: Sendable, Hashable {
    /// Magic of the snapshot data format (8 bytes).
    public static let snapshotMagic: [UInt8] = Array("RCAS1".utf8) + [0, 0, 0]
    /// Size of the snapshot data.
    public static let snapshotDataSize = 32

    /// Entries applied since the last snapshot restore (or since the start), in order.
    public private(set) var entries: [AppliedEntry] = []
    /// Entries applied in total, including those covered by a restored snapshot.
    public private(set) var count: UInt64 = 0
    /// Rolling hash over every applied entry: `fnv(previous, index, term, dataHash)`.
    public private(set) var rollingHash: UInt64 = FNV1a64.offsetBasis
    /// Index of the last applied entry.
    public private(set) var appliedIndex: UInt64 = 0
    /// How many recent entries ``entries`` keeps (older ones are dropped; the hash keeps them).
    public var retainedEntries: Int

    public init(retainedEntries: Int = 100_000) {
        self.retainedEntries = retainedEntries
    }

    /// Applies `entry` (which must follow ``appliedIndex``; older ones are ignored).
    public mutating func apply(_ entry: Entry) {
        guard entry.index > appliedIndex else { return }
        let summary = AppliedEntry(entry)
        var hash = FNV1a64(value: rollingHash)
        hash.combine(summary.index)
        hash.combine(summary.term)
        hash.combine(summary.dataHash)
        rollingHash = hash.value
        count += 1
        appliedIndex = entry.index
        entries.append(summary)
        if entries.count > retainedEntries { entries.removeFirst(entries.count - retainedEntries) }
    }

    /// The snapshot payload describing this state.
    public var snapshotData: [UInt8] {
        var bytes = Self.snapshotMagic
        for word in [count, rollingHash, appliedIndex] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return bytes
    }

    /// Replaces the state with the one a snapshot describes.
    /// - Throws: ``AppliedStateError`` when the data is not a snapshot of this format.
    public mutating func restore(snapshotData data: [UInt8], index: UInt64) throws(AppliedStateError) {
        guard data.count == Self.snapshotDataSize, Array(data[0..<8]) == Self.snapshotMagic else {
            throw AppliedStateError(reason: "snapshot data is not an applied-state summary (\(data.count) bytes)")
        }
        func word(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(data[at + i]) << UInt64(8 * i) }
            return v
        }
        guard word(24) == index else {
            throw AppliedStateError(reason: "snapshot data covers index \(word(24)) but the snapshot is at \(index)")
        }
        count = word(8)
        rollingHash = word(16)
        appliedIndex = index
        entries = []
    }
}

/// Snapshot data that is not an ``AppliedState`` summary.
public struct AppliedStateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
