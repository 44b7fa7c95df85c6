import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Plain TCP sockets on loopback for the connection-limit tests: blocking exchanges that read until
/// the server closes, and non-blocking connects from a chosen source address (127.0.0.0/8 is all
/// loopback on Linux, so one test can play many client hosts).
enum RawSocket {
    /// What a blocking exchange read, and whether the server closed the connection.
    struct Exchange {
        var received: [UInt8]
        var closedByServer: Bool
        var text: String { String(decoding: received, as: UTF8.self) }
        /// The status code of the response received, if any.
        var status: Int? {
            let line = text.split(separator: "\r\n", maxSplits: 1).first ?? ""
            let parts = line.split(separator: " ")
            return parts.count >= 2 && parts[0].hasPrefix("HTTP/1.") ? Int(parts[1]) : nil
        }
    }

    /// Connects (blocking) to `127.0.0.1:port`, sends `bytes`, then reads until the server closes or
    /// `timeout` passes.
    static func exchange(port: Int, send bytes: [UInt8], timeout: Duration) throws -> Exchange {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var remote = LoopbackSocket.address("127.0.0.1", port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure(description: "connect: errno \(errno)") }
        var slice = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &slice, socklen_t(MemoryLayout<timeval>.size))
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw TestFailure(description: "send: \(sent) of \(bytes.count) bytes") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received += buffer[0..<n]; continue }
            if n == 0 { return Exchange(received: received, closedByServer: true) }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
            return Exchange(received: received, closedByServer: errno == ECONNRESET)
        }
        return Exchange(received: received, closedByServer: false)
    }

    /// Connects to `127.0.0.1:port`, sends `first`, then one byte of `trickle` every `interval`, and
    /// returns how long the server kept the connection open (nil: still open after `limit`).
    static func trickle(port: Int, first: [UInt8], trickle: [UInt8], interval: Duration, limit: Duration) throws -> Duration? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var remote = LoopbackSocket.address("127.0.0.1", port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure(description: "connect: errno \(errno)") }
        let start = ContinuousClock.now
        if !first.isEmpty { _ = first.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        var next = 0
        var buffer = [UInt8](repeating: 0, count: 1024)
        while ContinuousClock.now - start < limit {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
            if poll(&poller, 1, milliseconds) > 0 {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n == 0 || (n < 0 && errno != EAGAIN) { return ContinuousClock.now - start }
                continue
            }
            if !trickle.isEmpty {
                var byte = trickle[next % trickle.count]
                next += 1
                if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 { return ContinuousClock.now - start }
            }
        }
        return nil
    }
}
