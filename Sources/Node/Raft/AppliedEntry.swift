import BinaryCoding
import Raft
import RaftStorage

/// One entry as the node's state machine saw it: where it sits in the log and
/// a digest of its payload, so nodes can be compared cheaply.
public struct AppliedEntry: Sendable, Hashable, Codable {
    public var index: UInt64
    public var term: UInt64
    /// FNV-1a 64 of the entry's kind byte, its data's length (u64 LE) and the CRC-32C of its data (u32 LE).
    /// The data goes through CRC-32C (the CPU's instruction, several GB/s) rather than byte by byte through
    /// FNV-1a (under 1 GB/s, which every node paid for every replicated byte). Nodes of an earlier version
    /// hashed the data itself with FNV-1a: their applied hashes differ from this version's.
    public var dataHash: UInt64

    public init(index: UInt64, term: UInt64, dataHash: UInt64) {
        self.index = index
        self.term = term
        self.dataHash = dataHash
    }

    /// The summary of `entry`.
    public init(_ entry: Entry) {
        var hash = FNV1a64()
        hash.combine(entry.kind.rawValue)
        hash.combine(UInt64(entry.data.count))
        hash.combine(UInt64(CRC32C.checksum(entry.data)))
        self.init(index: entry.index, term: entry.term, dataHash: hash.value)
    }
}
