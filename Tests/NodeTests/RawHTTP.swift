import Foundation
@testable import RaftcastClient
import XCTest

@testable import Node

#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 written by hand on a loopback socket, for what ``HTTPFetch`` does not do on purpose: send
/// a request head without its body, or a chunked body that stops as soon as the server has answered.
/// Every call is bounded (10 s per read or write).
enum RawHTTP {
    /// Sends `head` (request line and headers, blank line included) and nothing else; returns the answer.
    static func exchange(port: Int, head: String) throws -> HTTPFetch.Response {
        let fd = try connect(port: port)
        defer { close(fd) }
        try send(fd, Array(head.utf8))
        return try readResponse(fd)
    }

    /// Sends `head`, then up to `chunks` chunks of `chunkBytes` bytes, stopping at the first sign of an
    /// answer (or a failed write); returns the answer and the body bytes sent.
    static func chunkedUpload(port: Int, head: String, chunkBytes: Int, chunks: Int) throws -> (response: HTTPFetch.Response, sentBytes: Int) {
        let fd = try connect(port: port)
        defer { close(fd) }
        try send(fd, Array(head.utf8))
        let chunk = Array(String(chunkBytes, radix: 16).utf8) + [13, 10] + [UInt8](repeating: 0xA5, count: chunkBytes) + [13, 10]
        var sent = 0
        var answered = false
        for _ in 0..<chunks {
            do {
                try send(fd, chunk)
            } catch {
                break
            }
            sent += chunkBytes
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 {
                answered = true
                break
            }
        }
        if !answered { try? send(fd, Array("0\r\n\r\n".utf8)) }
        return (try readResponse(fd), sent)
    }

    private static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw TestFailure(description: "connect to 127.0.0.1:\(port): errno \(errno)")
        }
        return fd
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw TestFailure(description: "send: errno \(errno)")
            }
        }
    }

    /// Reads until one whole response is in (or the connection ends).
    private static func readResponse(_ fd: Int32) throws -> HTTPFetch.Response {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += buffer[0..<n]
                if let response = try? HTTPFetch.parse(received, complete: false) { return response }
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                do {
                    return try HTTPFetch.parse(received, complete: true)
                } catch {
                    throw TestFailure(description: "no whole response (recv \(n), errno \(errno)): \(String(decoding: received, as: UTF8.self))")
                }
            }
        }
    }
}
