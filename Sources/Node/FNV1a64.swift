/// The 64-bit FNV-1a hash: tiny, fast, deterministic across runs and machines
/// (unlike Swift's `Hasher`), good enough to compare replicas.
public struct FNV1a64: Sendable, Hashable {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    public private(set) var value: UInt64

    public init(value: UInt64 = FNV1a64.offsetBasis) {
        self.value = value
    }

    /// Mixes one byte in.
    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    /// Mixes bytes in.
    public mutating func combine(_ bytes: [UInt8]) {
        var v = value
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { v = (v ^ UInt64(byte)) &* Self.prime }
        }
        value = v
    }

    /// Mixes the 8 little-endian bytes of `word` in.
    public mutating func combine(_ word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { combine(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }
}
