import Broadcast
import NIOCore

/// The binary wire format of a ``ClockSyncMessage``, carried on the transport's control lane next
/// to Raft's messages. Its first byte, ``format`` (0xC5), is never ``RaftMessageCodec/version`` (1):
/// the receiver routes a control-lane payload by that byte alone (``isClockSync(_:)``).
///
/// ```
/// clock-sync message, little-endian, fixed size per kind, nothing after the last field
///  off  size
///    0     1  format (= 0xC5; a Raft message starts with its version, 1)
///    1     1  kind: 1 probe, 2 response
///  probe (18 bytes in all):
///    2     8  id                  u64   chosen by the client
///   10     8  clientSend (t0)     i64   ns of the client's monotonic clock
///  response (42 bytes in all):
///    2     8  id                  u64   the probe's id
///   10     8  clientSend (t0)     i64   echoed
///   18     8  serverReceive (t1)  i64   ns of cluster time
///   26     8  serverSend (t2)     i64   ns of cluster time
///   34     8  serverErrorBound    i64   ns, ≥ 0 (0 on the leader)
/// ```
///
/// Decoding never traps: the length is checked against the kind before any field is read, and
/// every field is read through a bounds-checked accessor. Every time field must lie within
/// ±2⁶¹ ns (±73 years), so the exchange's differences and sums (``ClockSample``) cannot overflow.
public enum ClockSyncCodec {
    /// The first byte of every clock-sync message.
    public static let format: UInt8 = 0xC5
    /// Kind byte of a probe.
    public static let probeKind: UInt8 = 1
    /// Kind byte of a response.
    public static let responseKind: UInt8 = 2
    /// Bytes of an encoded probe.
    public static let probeSize = 18
    /// Bytes of an encoded response.
    public static let responseSize = 42
    /// The largest magnitude of a time field, in nanoseconds (2⁶¹, about 73 years).
    public static let maximumTimeMagnitude: Int64 = 1 << 61

    /// Whether `payload` (a control-lane message) is a clock-sync message rather than a Raft one.
    public static func isClockSync(_ payload: ByteBuffer) -> Bool {
        payload.getInteger(at: payload.readerIndex, as: UInt8.self) == format
    }

    /// `message` encoded into a new buffer.
    public static func encode(_ message: ClockSyncMessage, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        switch message {
        case .probe(let probe):
            var buffer = allocator.buffer(capacity: probeSize)
            buffer.writeInteger(format)
            buffer.writeInteger(probeKind)
            buffer.writeInteger(probe.id, endianness: .little)
            buffer.writeInteger(probe.clientSend.wholeNanoseconds, endianness: .little)
            return buffer
        case .response(let response):
            var buffer = allocator.buffer(capacity: responseSize)
            buffer.writeInteger(format)
            buffer.writeInteger(responseKind)
            buffer.writeInteger(response.id, endianness: .little)
            buffer.writeInteger(response.clientSend.wholeNanoseconds, endianness: .little)
            buffer.writeInteger(response.serverReceive.nanoseconds, endianness: .little)
            buffer.writeInteger(response.serverSend.nanoseconds, endianness: .little)
            buffer.writeInteger(response.serverErrorBound.wholeNanoseconds, endianness: .little)
            return buffer
        }
    }

    /// Decodes the readable bytes of `buffer` (which is not consumed).
    public static func decode(_ buffer: ByteBuffer) throws(ClockSyncCodecError) -> ClockSyncMessage {
        let start = buffer.readerIndex
        let length = buffer.readableBytes
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { throw .empty }
        guard first == format else { throw .wrongFormat(first) }
        guard let kind = buffer.getInteger(at: start + 1, as: UInt8.self) else {
            throw .wrongLength(kind: 0, expected: probeSize, actual: length)
        }
        let expected: Int
        switch kind {
        case probeKind: expected = probeSize
        case responseKind: expected = responseSize
        default: throw .unknownKind(kind)
        }
        guard length == expected else { throw .wrongLength(kind: kind, expected: expected, actual: length) }
        func field<T: FixedWidthInteger>(_ offset: Int, _ type: T.Type) throws(ClockSyncCodecError) -> T {
            guard let value = buffer.getInteger(at: start + offset, endianness: .little, as: T.self) else {
                throw .wrongLength(kind: kind, expected: expected, actual: length)
            }
            return value
        }
        func time(_ offset: Int, _ name: String) throws(ClockSyncCodecError) -> Int64 {
            let value = try field(offset, Int64.self)
            guard value > -maximumTimeMagnitude, value < maximumTimeMagnitude else {
                throw .timeOutOfRange(field: name, nanoseconds: value)
            }
            return value
        }
        let id = try field(2, UInt64.self)
        let clientSend = Duration.nanoseconds(try time(10, "clientSend"))
        guard kind == responseKind else { return .probe(ClockSyncProbe(id: id, clientSend: clientSend)) }
        let bound = try time(34, "serverErrorBound")
        guard bound >= 0 else { throw .negativeErrorBound(bound) }
        return .response(
            ClockSyncResponse(
                id: id, clientSend: clientSend, serverReceive: ClusterTime(nanoseconds: try time(18, "serverReceive")),
                serverSend: ClusterTime(nanoseconds: try time(26, "serverSend")), serverErrorBound: .nanoseconds(bound)))
    }

    /// Overwrites the client's send time (t0) of an encoded probe in place, right before it is written
    /// (``ClockSyncService``'s ``PayloadStamper``); false, and nothing changed, unless `buffer` holds exactly
    /// one encoded probe and `time` is within the time fields' range.
    public static func stampClientSend(_ time: Duration, into buffer: inout ByteBuffer) -> Bool {
        stamp(time.wholeNanoseconds, at: 10, ofKind: probeKind, size: probeSize, into: &buffer)
    }

    /// Overwrites the server's send time (t2) of an encoded response in place, right before it is written;
    /// false, and nothing changed, unless `buffer` holds exactly one encoded response, `time` is within the
    /// time fields' range and not before the response's receive time (t1).
    public static func stampServerSend(_ time: ClusterTime, into buffer: inout ByteBuffer) -> Bool {
        guard let received = buffer.getInteger(at: buffer.readerIndex + 18, endianness: .little, as: Int64.self),
            time.nanoseconds >= received
        else { return false }
        return stamp(time.nanoseconds, at: 26, ofKind: responseKind, size: responseSize, into: &buffer)
    }

    private static func stamp(_ nanoseconds: Int64, at offset: Int, ofKind kind: UInt8, size: Int, into buffer: inout ByteBuffer) -> Bool {
        let start = buffer.readerIndex
        guard buffer.readableBytes == size, buffer.getInteger(at: start, as: UInt8.self) == format,
            buffer.getInteger(at: start + 1, as: UInt8.self) == kind,
            nanoseconds > -maximumTimeMagnitude, nanoseconds < maximumTimeMagnitude
        else { return false }
        buffer.setInteger(nanoseconds, at: start + offset, endianness: .little)
        return true
    }

    /// Decodes `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(ClockSyncCodecError) -> ClockSyncMessage {
        try decode(ByteBuffer(bytes: bytes))
    }
}
