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
        /// Server → client, instead of ``accept``: the client proved the secret but is not a peer of the
        /// server (never was, or was removed). Body: the reason, UTF-8, at most ``Handshake/maxRefusalBytes``
        /// (e.g. `not a member`). The server closes the connection after it.
        case refusal = 5
        /// Client → server: one opaque payload.
        case payload = 16
    }

    /// The only protocol version this build speaks.
    public static let currentVersion: UInt8 = 1
    /// Bytes before the body: 4 (length) + 1 (version) + 1 (kind).
    public static let headerSize = 6
    /// Largest body accepted before a connection is authenticated.
    public static let maxHandshakeBodySize = 1024

    /// What the frame carries.
    public var kind: Kind
    /// The bytes after the header.
    public var body: ByteBuffer

    /// A frame of `kind` carrying `body`.
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
