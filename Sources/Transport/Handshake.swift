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
///
/// A node that is not (or no longer) one of the server's peers still gets the challenge; once its proof
/// checks out, the server answers with a **refusal** frame instead of accept (body: the reason, UTF-8,
/// e.g. `not a member`) and closes. So a removed member learns why it is refused — it says so instead of
/// redialing blindly — and only a holder of the secret learns it:
///
/// ```
///    | -- proof {client MAC} -----------------------------> |  checks client MAC; not a peer
///    | <-- refusal {reason} ------------------------------- |  closes
/// ```
public enum Handshake {
    /// Bytes of each side's nonce.
    public static let nonceSize = 32
    /// Bytes of an HMAC-SHA256 tag.
    public static let macSize = 32
    /// Longest refusal reason sent or read, in bytes.
    public static let maxRefusalBytes = 200
    /// The reason a server gives a node that is not one of its peers.
    public static let notAMember = "not a member"
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
