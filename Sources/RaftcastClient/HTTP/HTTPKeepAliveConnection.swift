#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One persistent HTTP/1.1 connection (`Connection: keep-alive`) to `host:port`,
/// for clients that send many requests in a row, e.g. the cluster benchmark:
/// requests go one after another over the same socket; it (re)connects lazily,
/// and when the server closed a connection that had sat idle, the request is
/// sent once more on a new one. Not thread-safe: one per thread.
public final class HTTPKeepAliveConnection {
    public let host: String
    public let port: Int
    private var fd: Int32 = -1
    /// Connections opened so far (1 for a connection that was kept throughout).
    public private(set) var connects = 0

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    deinit { disconnect() }

    /// Sends one request and reads its whole answer within `timeout`.
    public func request(
        method: String = "GET", path: String, headers: [String: String] = [:], body: [UInt8] = [],
        timeout: Duration = .seconds(2)
    ) throws(HTTPFetch.Failure) -> HTTPFetch.Response {
        let head = HTTPFetch.requestHead(
            host: host, port: port, method: method, path: path, headers: headers, contentLength: body.count,
            keepAlive: true)
        let reused = fd >= 0
        do {
            return try exchange(head: head, body: body, timeout: timeout)
        } catch {
            disconnect()
            // A kept connection may have been closed by the server while idle: one fresh try.
            guard reused else { throw error }
            return try exchange(head: head, body: body, timeout: timeout)
        }
    }

    /// Closes the socket (the next request opens a new one).
    public func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    private func exchange(head: [UInt8], body: [UInt8], timeout: Duration) throws(HTTPFetch.Failure) -> HTTPFetch.Response {
        if fd < 0 {
            fd = try HTTPFetch.connect(host: host, port: port, timeout: timeout)
            connects += 1
        } else {
            HTTPFetch.setTimeout(fd, timeout)
        }
        try HTTPFetch.writeAll(fd, head)
        try HTTPFetch.writeAll(fd, body)
        let response = try HTTPFetch.readResponse(fd, timeout: timeout)
        if response.headers["connection"]?.lowercased() == "close" { disconnect() }
        return response
    }
}
