import Crypto
import NIOCore

/// The mutual challenge–response that opens every connection. Both ends prove
/// that they know the cluster secret before any payload frame is accepted,
/// without sending it:
///
/// ```
///  client (dials)                                     server (accepts)
///    | -- hello {lane, client nonce, cluster, from, to} --> |  checks cluster, from, to
///    | <-- challenge {server nonce, server MAC} ----------- |
///    |  checks server MAC                                   |
///    | -- proof {client MAC} -----------------------------> |  checks client MAC
///    | <-- accept {} -------------------------------------- |
///    | -- payload ... ------------------------------------> |
///
///  transcript  = version (1 byte) | hello body | server nonce
///  server MAC  = HMAC-SHA256(secret, "raftcast/1 server\0" | transcript)
///  client MAC  = HMAC-SHA256(secret, "raftcast/1 client\0" | transcript)
/// ```
///
/// Each side's nonce (32 random bytes) makes the other's MAC fresh, so a
/// recorded handshake cannot be replayed; MACs are compared in constant time.
/// Hello body layout (strings are UTF-8, 1..255 bytes, each after a u8 length):
///
/// ```
///  +---------+----------------+-----+---------+-----+------+-----+------+
///  | lane u8 | client nonce   | len | cluster | len | from | len | to   |
///  |         | 32 bytes       | u8  | name    | u8  | id   | u8  | id   |
///  +---------+----------------+-----+---------+-----+------+-----+------+
/// ```
///
/// Challenge body: server nonce (32 bytes) | server MAC (32 bytes).
/// Proof body: client MAC (32 bytes). Accept body: empty.
public enum Handshake {
    /// Bytes of each side's nonce.
    public static let nonceSize = 32
    /// Bytes of an HMAC-SHA256 tag.
    public static let macSize = 32
    /// Label mixed into the server's MAC.
    static let serverLabel: [UInt8] = Array("raftcast/1 server".utf8) + [0]
    /// Label mixed into the client's MAC.
    static let clientLabel: [UInt8] = Array("raftcast/1 client".utf8) + [0]

    /// The transcript both MACs cover.
    static func transcript(helloBody: ByteBuffer, serverNonce: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [Frame.currentVersion]
        bytes.append(contentsOf: helloBody.readableBytesView)
        bytes.append(contentsOf: serverNonce)
        return bytes
    }

    /// HMAC-SHA256 over `label | transcript`.
    static func mac(label: [UInt8], transcript: [UInt8], secret: SymmetricKey) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: secret)
        hmac.update(data: label)
        hmac.update(data: transcript)
        return Array(hmac.finalize())
    }

    /// Constant-time check of `mac` against `label | transcript`.
    static func verify(mac: [UInt8], label: [UInt8], transcript: [UInt8], secret: SymmetricKey) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: label + transcript, using: secret)
    }

    /// Fresh random nonce from the system's cryptographic generator.
    static func makeNonce() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<nonceSize).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }
}

/// The client's first frame (see ``Handshake``).
public struct ClientHello: Sendable, Hashable {
    public var lane: Lane
    public var nonce: [UInt8]
    public var clusterName: String
    /// The dialing node's id.
    public var from: String
    /// The id the dialing node expects to reach.
    public var to: String

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

/// Why a handshake did not complete. The side that detects it logs it and closes.
public enum HandshakeRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The hello names another cluster.
    case wrongCluster(String)
    /// The hello comes from a node id that is not in the configuration.
    case unknownNode(String)
    /// The hello asks for a node id other than this one.
    case wrongTarget(String)
    /// The server's MAC is wrong: it does not know the secret (or ours differs).
    case badServerProof
    /// The client's MAC is wrong: it does not know the secret (or ours differs).
    case badClientProof
    /// A handshake frame could not be parsed.
    case malformed(String)
    /// A frame arrived that the handshake does not expect at this point.
    case unexpectedFrame(Frame.Kind)
    /// The handshake did not finish in time.
    case timedOut

    public var description: String {
        switch self {
        case .wrongCluster(let name): "peer belongs to cluster \"\(name)\""
        case .unknownNode(let id): "unknown node id \"\(id)\""
        case .wrongTarget(let id): "peer dialed node \"\(id)\", not this node"
        case .badServerProof: "server failed to prove knowledge of the cluster secret (secrets differ?)"
        case .badClientProof: "client failed to prove knowledge of the cluster secret (secrets differ?)"
        case .malformed(let what): "malformed \(what)"
        case .unexpectedFrame(let kind): "unexpected \(kind) frame during handshake"
        case .timedOut: "handshake timed out"
        }
    }
}
