#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny blocking HTTP/1.1 client over POSIX sockets, for `raftcast status`,
/// tests and benchmarks: one request per connection (`Connection: close`),
/// bounded by a timeout, no TLS. Run it off the cooperative pool (on a thread
/// of its own) when many calls run at once. `upload` streams a request body
/// from a file; `HTTPLocation` follows a redirect; `HTTPProblem` reads an
/// `application/problem+json` error.
public enum HTTPFetch {
    /// What the server answered.
    public struct Response: Sendable {
        public var status: Int
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// A response from its parts (header names lowercased).
        public init(status: Int, headers: [String: String], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Why no answer came.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Sends one request to `host:port` and reads the whole answer within `timeout`.
    public static func request(
        host: String, port: Int, method: String = "GET", path: String, headers: [String: String] = [:],
        body: [UInt8] = [], timeout: Duration = .seconds(2)
    ) throws(Failure) -> Response {
        let fd = try connect(host: host, port: port, timeout: timeout)
        defer { close(fd) }
        let head = requestHead(
            host: host, port: port, method: method, path: path, headers: headers, contentLength: body.count)
        try writeAll(fd, head + body)
        return try readResponse(fd, timeout: timeout)
    }

    /// The request line and headers, up to and including the blank line.
    static func requestHead(
        host: String, port: Int, method: String, path: String, headers: [String: String], contentLength: Int,
        keepAlive: Bool = false
    ) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n"
        head += "Content-Length: \(contentLength)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// Reads one whole response from `fd` (its receive timeout already set).
    static func readResponse(_ fd: Int32, timeout: Duration) throws(Failure) -> Response {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received.append(contentsOf: chunk[0..<n])
                if let response = try? parse(received, complete: false) { return response }
            } else if n == 0 {
                return try parse(received, complete: true)
            } else if errno == EINTR {
                continue
            } else {
                throw Failure(reason: errno == EAGAIN ? "timed out after \(timeout)" : "read failed: errno \(errno)")
            }
        }
    }

    static func connect(host: String, port: Int, timeout: Duration) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(reason: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let current = info {
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            if fd >= 0 {
                setTimeout(fd, timeout)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return fd }
                lastError = errno
                close(fd)
            }
            info = current.pointee.ai_next
        }
        throw Failure(reason: "cannot connect to \(host):\(port): \(String(cString: strerror(lastError)))")
    }

    /// Sets the socket's send and receive timeouts.
    static func setTimeout(_ fd: Int32, _ timeout: Duration) {
        var seconds = timeval(tv_sec: Int(timeout.components.seconds),
                              tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        let failure: Failure? = bytes.withUnsafeBytes { buffer in
            do throws(Failure) {
                try writeAll(fd, buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Sends every byte of `bytes`, retrying short writes and interrupted calls.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw Failure(reason: errno == EAGAIN ? "write timed out" : "write failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Parses a response; with `complete` false, fails unless the body is whole.
    static func parse(_ bytes: [UInt8], complete: Bool) throws(Failure) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.firstRange(of: separator) else {
            throw Failure(reason: "incomplete response header")
        }
        let lines = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first else { throw Failure(reason: "empty response") }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(reason: "bad status line: \(statusLine)") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces
        }
        var body = Array(bytes[headEnd.upperBound...])
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { throw Failure(reason: "truncated body") }
            body = Array(body[..<length])
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        } else if !complete {
            throw Failure(reason: "body until close")
        }
        return Response(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = bytes[i...].firstRange(of: [13, 10]) else { throw Failure(reason: "truncated chunk") }
            let sizeText = String(decoding: bytes[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16) else { throw Failure(reason: "bad chunk size") }
            i = lineEnd.upperBound
            if size == 0 { return out }
            guard i + size + 2 <= bytes.count else { throw Failure(reason: "truncated chunk") }
            out.append(contentsOf: bytes[i..<(i + size)])
            i += size + 2
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
