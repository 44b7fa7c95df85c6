import Raft

extension ClusterConfig {
    /// The Raft ``NodeID`` of a node named `id`: the 64-bit FNV-1a hash of its
    /// UTF-8 bytes, with 0 (Raft's "nobody") mapped to 1.
    ///
    /// A hash, not a position in the list, so that a node keeps its numeric id
    /// when other members are added or removed; stable across versions and
    /// machines (documented in docs/configuration.md). Collisions between the
    /// members of one file are reported by validation.
    ///
    /// ```
    ///  h = 0xcbf29ce484222325                  (FNV offset basis)
    ///  for each byte b: h = (h XOR b) * 0x100000001b3   (mod 2^64, FNV prime)
    ///  raftID = h == 0 ? 1 : h
    /// ```
    public static func raftID(for id: String) -> NodeID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }
}
