import BinaryCoding
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
    ///  raftID = h == 0 ? 1 : h      where h = FNV-1a 64 (see ``FNV1a64``)
    /// ```
    public static func raftID(for id: String) -> NodeID {
        let hash = FNV1a64.hash(id.utf8)
        return hash == 0 ? 1 : hash
    }
}
