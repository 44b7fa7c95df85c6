import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a connection comes from, as the unit that connection caps count per: an IPv4 address, or the
/// /64 prefix of an IPv6 address (one host is usually handed a whole /64, so counting single IPv6
/// addresses would let it open any number). An IPv4-mapped IPv6 address counts as its IPv4 address.
public struct ConnectionSource: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes (IPv4), 8 bytes (an IPv6 /64), or empty (a Unix socket or an unknown peer).
    public let bytes: [UInt8]

    /// The source of a connection from `address` (nil: unknown, which counts as one source).
    public init(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4)?:
            let value = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            bytes = [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        case .v6(let v6)?:
            let all = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
            bytes = all.count == 16 && Array(all[0..<12]) == mappedPrefix ? Array(all[12..<16]) : Array(all.prefix(8))
        default:
            bytes = []
        }
    }

    /// Dotted IPv4, `xxxx:xxxx:xxxx:xxxx::/64`, or `local`.
    public var description: String {
        switch bytes.count {
        case 4: return bytes.map(String.init).joined(separator: ".")
        case 8:
            let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        default: return "local"
        }
    }
}
