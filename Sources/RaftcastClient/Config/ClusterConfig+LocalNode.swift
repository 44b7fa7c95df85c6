import NIOCore
import NIOPosix

/// Why the local node could not be chosen from the configuration.
public struct LocalNodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one-line explanation (without the `error:` prefix).
    public var message: String
    public var description: String { message }
}

extension ClusterConfig {
    /// The member this process should run as.
    ///
    /// With `id`, the member of that id. Without, the single member whose
    /// `raft` host is one of `localAddresses` (IP literals of this machine's
    /// interfaces, see ``localInterfaceAddresses()``; host names are compared
    /// case-insensitively, so "localhost" may be included). Several local
    /// members (e.g. a whole test cluster on 127.0.0.1) or none is an error
    /// that asks for `--id`. A pure function, so it is testable.
    public func localMember(id: String? = nil, localAddresses: Set<String>) throws(LocalNodeError) -> Member {
        if let id {
            guard let member = member(id: id) else {
                throw LocalNodeError(message: "--id \(id): no such node in the configuration (known: \(nodes.map(\.id).joined(separator: ", ")))")
            }
            return member
        }
        let local = Set(localAddresses.map { Self.normalizedHost($0) })
        let matches = nodes.filter { local.contains(Self.normalizedHost($0.raft.host)) }
        switch matches.count {
        case 1:
            return matches[0]
        case 0:
            throw LocalNodeError(message: "no node's raft address is on this machine (its addresses: \(localAddresses.sorted().joined(separator: ", "))); pass --id to choose one of \(nodes.map(\.id).joined(separator: ", "))")
        default:
            throw LocalNodeError(message: "several nodes have a raft address on this machine (\(matches.map(\.id).joined(separator: ", "))); pass --id to choose one")
        }
    }

    /// The IP addresses of this machine's interfaces (getifaddrs), without
    /// IPv6 zone suffixes.
    public static func localInterfaceAddresses() -> Set<String> {
        guard let devices = try? System.enumerateDevices() else { return [] }
        return Set(devices.compactMap { $0.address?.ipAddress }.map { normalizedHost($0) })
    }

    static func normalizedHost(_ host: String) -> String {
        var host = host.lowercased()
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) }
        return host
    }
}
