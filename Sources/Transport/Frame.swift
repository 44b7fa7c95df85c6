import NIOCore

/// One unit on a transport connection.
///
/// Every frame, handshake or payload, has the same header:
///
/// ```
///  0               4         5         6
///  +---------------+---------+---------+--------------------------+
///  | length u32 LE | version | kind    | body (length - 2 bytes)  |
///  +---------------+---------+---------+--------------------------+
///    length counts version + kind + body, so length >= 2
/// ```
///
/// A length above `2 + maxBodySize` is refused as soon as the 4 length bytes
/// have arrived, before anything is buffered for the body.
public struct Frame: Sendable, Hashable {
    /// What a frame carries. Values are wire constants.
    public enum Kind: UInt8, Sendable, Hashable, CaseIterable {
        /// Client → server, first frame of a connection (see ``ClientHello``).
        case hello = 1
        /// Server → client: server nonce and the server's proof (see ``ServerChallenge``).
        case challenge = 2
        /// Client → server: the client's proof (32-byte HMAC).
        case proof = 3
        /// Server → client: authentication done, payload frames may follow. Empty body.
        case accept = 4
        /// Client → server: one opaque payload.
        case payload = 16
    }

    /// The only protocol version this build speaks.
    public static let currentVersion: UInt8 = 1
    /// Bytes before the body: 4 (length) + 1 (version) + 1 (kind).
    public static let headerSize = 6
    /// Largest body accepted before a connection is authenticated.
    public static let maxHandshakeBodySize = 1024

    public var kind: Kind
    public var body: ByteBuffer

    public init(kind: Kind, body: ByteBuffer) {
        self.kind = kind
        self.body = body
    }

    /// Writes the frame (header and body) to `buffer`.
    public func write(to buffer: inout ByteBuffer, version: UInt8 = Frame.currentVersion) {
        buffer.writeInteger(UInt32(2 + body.readableBytes), endianness: .little)
        buffer.writeInteger(version)
        buffer.writeInteger(kind.rawValue)
        var body = body
        buffer.writeBuffer(&body)
    }

    /// The 6 header bytes of a frame of `kind` with a body of `bodySize` bytes.
    /// Writing the header and then the body as a separate buffer sends a
    /// payload without copying it.
    public static func header(kind: Kind, bodySize: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var out = allocator.buffer(capacity: Frame.headerSize)
        out.writeInteger(UInt32(2 + bodySize), endianness: .little)
        out.writeInteger(Frame.currentVersion)
        out.writeInteger(kind.rawValue)
        return out
    }

    /// The frame as one buffer, ready to write to a channel.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var out = allocator.buffer(capacity: Frame.headerSize + body.readableBytes)
        write(to: &out)
        return out
    }
}

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

extension Frame {
    /// Decodes one frame from the front of `buffer`, a pure function over its
    /// readable bytes: returns nil (consuming nothing) when the frame is not
    /// complete yet, throws as soon as the header is invalid (an oversized
    /// length is rejected from its 4 bytes alone, before any body is buffered),
    /// and otherwise consumes the frame and returns it; the body is a slice of
    /// `buffer`, not a copy.
    public static func decode(from buffer: inout ByteBuffer, maxBodySize: Int) throws(FrameError) -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else {
            return nil
        }
        guard length >= 2 else { throw .lengthTooSmall(length) }
        let bodySize = UInt64(length) - 2
        guard bodySize <= UInt64(maxBodySize) else { throw .frameTooLarge(bodySize: bodySize, limit: maxBodySize) }
        guard let version = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self) else { return nil }
        guard version == Frame.currentVersion else { throw .unsupportedVersion(version) }
        guard let kindByte = buffer.getInteger(at: buffer.readerIndex + 5, as: UInt8.self) else { return nil }
        guard let kind = Kind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        guard buffer.readableBytes >= Frame.headerSize + Int(bodySize) else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.headerSize)
        let body = buffer.readSlice(length: Int(bodySize))!
        return Frame(kind: kind, body: body)
    }
}
