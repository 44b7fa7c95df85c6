import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What systemd holds for a `Type=notify` service: an `AF_UNIX` datagram socket bound to a path or,
/// for a name starting with `@`, to an abstract name. The tests point `NOTIFY_SOCKET` at it and read
/// the states the node sends.
final class NotifySocketListener {
    /// The name to put in `NOTIFY_SOCKET`.
    let name: String
    private let fd: Int32

    /// Binds `name` (a path is removed again by ``close()``).
    init(name: String) throws {
        self.name = name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure(description: "socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(name.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw TestFailure(description: "socket name too long: \(name)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        guard bound == 0 else {
            let error = errno
            Glibc.close(fd)
            throw TestFailure(description: "bind \(name) failed: errno \(error)")
        }
    }

    /// The next datagram waiting, without blocking; nil when none is there.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Every datagram waiting now.
    func drain() -> [String] {
        var messages: [String] = []
        while let message = receive() { messages.append(message) }
        return messages
    }

    func close() {
        Glibc.close(fd)
        if !name.hasPrefix("@") { unlink(name) }
    }
}
