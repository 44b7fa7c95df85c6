#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HTTPFetch {
    /// Bytes read from the file and sent per write: the most of the body ever held in memory.
    public static let uploadChunkBytes = 256 << 10

    /// Sends one request whose body is the content of the regular file at `file`, streamed from disk
    /// `uploadChunkBytes` at a time (a 100 MB upload never holds more than that), with
    /// `Content-Length` set from the file's size; then reads the whole answer.
    ///
    /// `timeout` bounds the connect and every single write and read. `onSent` hears the body bytes sent
    /// so far after every write. A server may answer before it read the body (a 307, 413 or 401) and
    /// close: when a write fails, the answer already sent is read and returned if there is one.
    public static func upload(
        host: String, port: Int, method: String = "POST", path: String, headers: [String: String] = [:],
        file: String, timeout: Duration = .seconds(10), onSent: ((Int) -> Void)? = nil
    ) throws(Failure) -> Response {
        let input = open(file, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure(reason: "cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw Failure(reason: "\(file) is not a regular file")
        }
        let size = Int(info.st_size)
        let fd = try connect(host: host, port: port, timeout: timeout)
        defer { close(fd) }
        let head = requestHead(host: host, port: port, method: method, path: path, headers: headers, contentLength: size)
        do {
            try writeAll(fd, head)
            try sendFile(input, size: size, to: fd, file: file, onSent: onSent)
        } catch {
            // The server may have answered early and closed; its answer explains more than the write error.
            if let early = try? readResponse(fd, timeout: timeout) { return early }
            throw error
        }
        return try readResponse(fd, timeout: timeout)
    }

    /// Copies `size` bytes of `input` to `fd` through one reused buffer.
    private static func sendFile(
        _ input: Int32, size: Int, to fd: Int32, file: String, onSent: ((Int) -> Void)?
    ) throws(Failure) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: uploadChunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        var sent = 0
        while sent < size {
            let n = read(input, buffer.baseAddress, min(buffer.count, size - sent))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw Failure(reason: n == 0 ? "\(file) shrank while being sent" : "cannot read \(file): \(String(cString: strerror(errno)))")
            }
            try writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            sent += n
            onSent?(sent)
        }
    }
}
