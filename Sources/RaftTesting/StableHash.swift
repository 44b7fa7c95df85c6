/// Hashes that are the same in every process (unlike Swift's `Hasher`, which
/// is seeded randomly per process): FNV-1a over bytes and a 64-bit mixer.
/// Used for entry digests, apply-sequence hashes and run fingerprints.
public enum StableHash {
    /// FNV-1a 64 of `bytes`.
    @inlinable
    public static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        bytes.withUnsafeBufferPointer { buffer in
            for b in buffer {
                h ^= UInt64(b)
                h &*= 0x0000_0100_0000_01B3
            }
        }
        return h
    }

    /// Combines two 64-bit values into one well-mixed value.
    @inlinable
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a ^ (b &+ 0x9E37_79B9_7F4A_7C15 &+ (a << 6) &+ (a >> 2))
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
