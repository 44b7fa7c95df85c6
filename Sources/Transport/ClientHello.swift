import NIOCore

/// The client's first frame (see ``Handshake``).
public struct ClientHello: Sendable, Hashable {
    /// The lane this connection will carry.
    public var lane: Lane
    /// The client's 32 random bytes.
    public var nonce: [UInt8]
    /// The cluster the client belongs to.
    public var clusterName: String
    /// The dialing node's id.
    public var from: String
    /// The id the dialing node expects to reach.
    public var to: String

    /// A hello with these fields (strings longer than 255 bytes are cut when encoded).
    public init(lane: Lane, nonce: [UInt8], clusterName: String, from: String, to: String) {
        self.lane = lane
        self.nonce = nonce
        self.clusterName = clusterName
        self.from = from
        self.to = to
    }

    /// The hello body (without frame header).
    public func encodedBody() -> ByteBuffer {
        var out = ByteBuffer()
        out.writeInteger(lane.rawValue)
        out.writeBytes(nonce)
        for text in [clusterName, from, to] {
            let utf8 = Array(text.utf8.prefix(255))
            out.writeInteger(UInt8(utf8.count))
            out.writeBytes(utf8)
        }
        return out
    }

    /// Parses a hello body; nil when it is malformed (wrong sizes, empty or
    /// non-UTF-8 strings, unknown lane, trailing bytes).
    public init?(body: ByteBuffer) {
        var body = body
        guard let laneByte = body.readInteger(as: UInt8.self), let lane = Lane(rawValue: laneByte),
              let nonce = body.readBytes(length: Handshake.nonceSize) else { return nil }
        var texts: [String] = []
        for _ in 0..<3 {
            guard let count = body.readInteger(as: UInt8.self), count > 0,
                  let bytes = body.readBytes(length: Int(count)),
                  let text = String(validating: bytes, as: UTF8.self) else { return nil }
            texts.append(text)
        }
        guard body.readableBytes == 0 else { return nil }
        self.init(lane: lane, nonce: nonce, clusterName: texts[0], from: texts[1], to: texts[2])
    }
}
