/// One field of a seed's layout that the mutator aims at: where it lies, how wide it is, its byte order and
/// what it means (a length or count is corrupted to the values that trip bounds checks).
public struct FuzzField: Sendable, Hashable {
    /// What a field holds.
    public enum Role: Sendable, Hashable {
        /// A plain number (time, index, id, flags, …).
        case value
        /// A byte length or an element count that the decoder checks against the bytes that remain.
        case length
    }

    /// Byte offset in the seed.
    public var offset: Int
    /// Width in bytes: 1, 2, 4 or 8.
    public var width: Int
    /// Whether the field is big endian (ISO BMFF boxes); raftcast's own formats are little endian.
    public var bigEndian: Bool
    /// What it holds.
    public var role: Role

    /// A field of `width` bytes at `offset`.
    public init(offset: Int, width: Int, bigEndian: Bool = false, role: Role = .value) {
        self.offset = offset
        self.width = width
        self.bigEndian = bigEndian
        self.role = role
    }
}
