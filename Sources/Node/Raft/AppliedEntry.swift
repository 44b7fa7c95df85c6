import BinaryCoding
import Raft

/// One entry as the node's state machine saw it: where it sits in the log and
/// a digest of its payload (FNV-1a 64), so nodes can be compared cheaply.
public struct AppliedEntry: Sendable, Hashable, Codable {
    public var index: UInt64
    public var term: UInt64
    /// FNV-1a 64 of the entry's kind byte followed by its data.
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
        hash.combine(entry.data)
        self.init(index: entry.index, term: entry.term, dataHash: hash.value)
    }
}
