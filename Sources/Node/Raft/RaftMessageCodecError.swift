/// Why bytes are not a valid encoded Raft message (see ``RaftMessageCodec``).
public enum RaftMessageCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes end before the message does.
    case truncated(offset: Int, needed: Int)
    /// A format version this build does not read.
    case unsupportedVersion(UInt8)
    /// A message type byte that names no type.
    case unknownMessageType(UInt8)
    /// An entry kind byte that names no kind.
    case unknownEntryKind(UInt8)
    /// Flag bits that have no meaning.
    case invalidFlags(UInt8)
    /// A count that cannot fit in the bytes that remain.
    case countTooLarge(what: String, count: UInt32, remaining: Int)
    /// Voter or learner ids that are not strictly increasing.
    case membersNotSorted(String)
    /// Bytes after the end of the message.
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed): "message truncated at byte \(offset) (\(needed) more bytes needed)"
        case .unsupportedVersion(let v): "unsupported message format version \(v) (this build reads \(RaftMessageCodec.version))"
        case .unknownMessageType(let t): "unknown message type \(t)"
        case .unknownEntryKind(let k): "unknown entry kind \(k)"
        case .invalidFlags(let f): "invalid message flags 0x\(String(f, radix: 16))"
        case .countTooLarge(let what, let count, let remaining): "\(count) \(what) cannot fit in the \(remaining) bytes left"
        case .membersNotSorted(let what): "snapshot \(what) are not in strictly increasing order"
        case .trailingBytes(let n): "\(n) bytes after the end of the message"
        }
    }
}
