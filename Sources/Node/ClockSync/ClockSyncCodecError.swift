/// Why bytes are not a valid encoded clock-sync message (see ``ClockSyncCodec``).
public enum ClockSyncCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No bytes at all.
    case empty
    /// The first byte is not ``ClockSyncCodec/format``.
    case wrongFormat(UInt8)
    /// A kind byte that names no message.
    case unknownKind(UInt8)
    /// The message is not exactly as long as its kind requires.
    case wrongLength(kind: UInt8, expected: Int, actual: Int)
    /// A server error bound below zero.
    case negativeErrorBound(Int64)
    /// A time field beyond ±``ClockSyncCodec/maximumTimeMagnitude``.
    case timeOutOfRange(field: String, nanoseconds: Int64)

    public var description: String {
        switch self {
        case .empty: "empty clock-sync message"
        case .wrongFormat(let byte):
            "not a clock-sync message (first byte 0x\(String(byte, radix: 16)), expected 0x\(String(ClockSyncCodec.format, radix: 16)))"
        case .unknownKind(let kind): "unknown clock-sync message kind \(kind)"
        case .wrongLength(let kind, let expected, let actual):
            "clock-sync message of kind \(kind) is \(actual) bytes long, expected \(expected)"
        case .negativeErrorBound(let value): "clock-sync response with a negative server error bound (\(value) ns)"
        case .timeOutOfRange(let field, let value): "clock-sync \(field) of \(value) ns is out of range (±2^61 ns)"
        }
    }
}
