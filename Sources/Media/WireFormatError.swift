/// Why bytes could not be decoded as a stream header or fragment.
public enum WireFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than the layout needs.
    case truncated(needed: Int, available: Int)
    /// The first four bytes are not the expected magic: not raftcast bytes, or the
    /// wrong kind of record.
    case badMagic(expected: String, found: [UInt8])
    /// A version this build does not read.
    case unsupportedVersion(UInt16)
    /// The CRC-32 over the record does not match: the bytes were damaged.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// A field holds a value the layout does not allow.
    case invalidField(String)

    /// One line describing the problem.
    public var description: String {
        switch self {
        case .truncated(let needed, let available):
            return "truncated record: needs \(needed) bytes, has \(available)"
        case .badMagic(let expected, let found):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "not a raftcast \(expected) record (magic bytes: \(hex))"
        case .unsupportedVersion(let v):
            return "unsupported record version \(v) (this build reads version \(WireFormat.version))"
        case .checksumMismatch(let stored, let computed):
            return "damaged record: CRC-32 \(String(stored, radix: 16)) stored, \(String(computed, radix: 16)) computed"
        case .invalidField(let what):
            return "invalid record field: \(what)"
        }
    }
}
