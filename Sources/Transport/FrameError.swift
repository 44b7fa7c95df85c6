/// Why bytes on a connection are not a valid frame. Any of these closes the connection.
public enum FrameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The length prefix is below the 2 bytes of version and kind.
    case lengthTooSmall(UInt32)
    /// The length prefix announces a body above the limit in force.
    case frameTooLarge(bodySize: UInt64, limit: Int)
    /// A version this build does not speak.
    case unsupportedVersion(UInt8)
    /// A kind byte that names no frame kind.
    case unknownKind(UInt8)

    public var description: String {
        switch self {
        case .lengthTooSmall(let n): "frame length \(n) is below the 2-byte minimum"
        case .frameTooLarge(let size, let limit): "frame body of \(size) bytes exceeds the limit of \(limit)"
        case .unsupportedVersion(let v): "unsupported protocol version \(v) (this build speaks \(Frame.currentVersion))"
        case .unknownKind(let k): "unknown frame kind \(k)"
        }
    }
}
