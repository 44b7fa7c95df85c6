/// Why bytes could not be decoded as a catalogue entry or a catalogue snapshot. Each case names what was
/// being read ("catalogue entry", "catalogue snapshot") so the one-line description says which.
public enum CatalogueDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than the layout needs.
    case truncated(String, needed: Int, available: Int)
    /// The first bytes are not the expected magic: foreign bytes, or another kind of record.
    case badMagic(String, found: [UInt8])
    /// A version this build does not read.
    case unsupportedVersion(String, UInt8)
    /// An entry type this build does not know.
    case unknownType(String, UInt8)
    /// The checksum over a snapshot does not match: the bytes were damaged.
    case checksumMismatch(String, stored: UInt64, computed: UInt64)
    /// A field holds a value the layout does not allow.
    case invalidField(String, String)

    /// One line describing the problem.
    public var description: String {
        switch self {
        case let .truncated(what, needed, available):
            return "truncated \(what): needs \(needed) bytes, has \(available)"
        case let .badMagic(what, found):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "not a raftcast \(what) (first bytes: \(hex))"
        case let .unsupportedVersion(what, version):
            return "unsupported \(what) version \(version) (this build reads version 1)"
        case let .unknownType(what, type):
            return "unknown \(what) type \(type)"
        case let .checksumMismatch(what, stored, computed):
            return "damaged \(what): checksum \(String(stored, radix: 16)) stored, \(String(computed, radix: 16)) computed"
        case let .invalidField(what, reason):
            return "invalid \(what): \(reason)"
        }
    }
}
