import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol (`sd_notify(3)`), without libsystemd: state lines such as `READY=1`
/// and `STOPPING=1` sent as one datagram each to the `AF_UNIX` socket named by `NOTIFY_SOCKET`.
///
/// A name starting with `@` is an abstract socket (the `@` becomes a NUL byte); any other name is a
/// file system path. Without `NOTIFY_SOCKET` (not started by systemd with `Type=notify`) there is no
/// notifier and nothing is sent. Each state is sent at most once, from any thread.
public final class SystemdNotifier: Sendable {
    /// The socket name as given (`/run/systemd/notify`, `@/org/freedesktop/systemd1/notify/…`).
    public let socketName: String
    private let sent = NIOLockedValueBox<Set<String>>([])

    /// A notifier for the socket `name`; nil when the name is empty or longer than `sun_path` holds.
    public init?(socketName name: String) {
        guard !name.isEmpty, name.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        socketName = name
    }

    /// The notifier systemd asked for through `environment`'s `NOTIFY_SOCKET`; nil without one.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SystemdNotifier? {
        environment["NOTIFY_SOCKET"].flatMap { SystemdNotifier(socketName: $0) }
    }

    /// Sends `state` (one or more `KEY=value` lines) unless it was sent before.
    /// - Returns: true when the datagram was sent now.
    @discardableResult
    public func notifyOnce(_ state: String) -> Bool {
        let first = sent.withLockedValue { $0.insert(state).inserted }
        guard first else { return false }
        return send(state)
    }

    /// Sends `state` as one datagram. Returns false when the socket cannot be reached (systemd only
    /// misses the notification; the node runs on).
    @discardableResult
    public func send(_ state: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketName.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        // An abstract name's length is exact (no terminating NUL); a path's includes the NUL.
        let length = MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1)
        let bytes = Array(state.utf8)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
        return result == bytes.count
    }
}
