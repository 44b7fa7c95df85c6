import BinaryCoding
import Crypto

/// The hashes the catalogue uses (docs/catalogue.md, "Hashes"):
/// - `sha256` for a source file's content hash (the identity of what is broadcast; a strong hash, 32 bytes);
/// - `fnv1a64` for a fragment's bytes (the duplicate/conflict check every node runs at apply time; fast,
///   64 bits; a collision could only make a conflicting retry look like an idempotent one, and neither
///   ever replaces the fragment already committed).
public enum CatalogueHash {
    /// The 64-bit FNV-1a hash of `bytes`.
    public static func fnv1a64<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        FNV1a64.hash(bytes)
    }

    /// The SHA-256 digest of `bytes` (FIPS 180-4, through swift-crypto), 32 bytes.
    public static func sha256<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        Array(SHA256.hash(data: Array(bytes)))
    }

    /// A 64-bit hash as the HTTP API and messages write it: 16 lowercase hex digits.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
