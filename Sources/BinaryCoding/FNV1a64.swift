/// The 64-bit FNV-1a hash: tiny, fast, deterministic across runs and machines (unlike Swift's
/// `Hasher`). raftcast uses it to compare replicas (the node's applied hash), to check fragment bytes
/// and catalogue snapshots, and to map cluster.yaml node ids to Raft ids.
///
/// ```
///  h = 0xcbf29ce484222325                           (offset basis)
///  for each byte b: h = (h XOR b) * 0x100000001b3   (mod 2^64, FNV prime)
/// ```
public struct FNV1a64: Sendable, Hashable {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    public var value: UInt64

    public init(value: UInt64 = FNV1a64.offsetBasis) {
        self.value = value
    }

    /// Mixes one byte in.
    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    /// Mixes bytes in.
    @inlinable
    public mutating func combine<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var v = value
        let prime = Self.prime
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer { v = (v ^ UInt64(byte)) &* prime }
        }
        if done == nil {
            for byte in bytes { v = (v ^ UInt64(byte)) &* prime }
        }
        value = v
    }

    /// The hash of `bytes`.
    @inlinable
    public static func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hasher = FNV1a64()
        hasher.combine(bytes)
        return hasher.value
    }

    /// Mixes the 8 little-endian bytes of `word` in.
    public mutating func combine(_ word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { combine(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }
}
