import Crypto

/// The bearer token of admin and debug HTTP calls:
/// `hex(HMAC-SHA256(key: cluster secret, message: "raftcast-admin-v1"))`.
public enum AdminToken {
    /// The message the token authenticates.
    public static let context = "raftcast-admin-v1"

    /// The token for `secret`, 64 lowercase hex digits.
    public static func token(secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(context.utf8), using: SymmetricKey(data: secret))
        return mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// True when `header` (an `Authorization` value) is `Bearer <token for secret>`;
    /// the comparison takes the same time wherever the first difference is.
    public static func authorizes(header: String?, secret: [UInt8]) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst("Bearer ".count).utf8)
        let expected = Array(token(secret: secret).utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }
}
