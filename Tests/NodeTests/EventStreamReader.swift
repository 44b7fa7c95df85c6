import Foundation

/// Reads `GET /v1/events` of a node over a plain socket until a condition holds or a deadline passes.
struct EventStreamReader {
    struct Event: Equatable {
        var name: String
        var data: String
        /// The `id:` field, when the event has one.
        var id: String? = nil
    }

    let fd: Int32
    private var pending = ""

    /// Connects to 127.0.0.1:`port` and sends the request.
    init(port: Int, authorization: String? = nil, lastEventID: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Foundation.close(fd)
            throw TestFailure(description: "connect to \(port) failed")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if let authorization { request += "Authorization: \(authorization)\r\n" }
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        request += "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    /// Reads events until `done(events)` is true or `timeout` passes; returns every event read.
    mutating func read(timeout: Duration, until done: ([Event]) -> Bool) -> [Event] {
        var events: [Event] = []
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while ContinuousClock.now < deadline, !done(events) {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else { continue }
            // Carriage returns (HTTP and chunk framing) go: "\r\n" is one Character in Swift and would hide
            // the line breaks; event data never contains one.
            pending += String(decoding: buffer[0..<count].filter { $0 != 13 }, as: UTF8.self)
            while let range = pending.range(of: "\n\n") {
                let block = pending[..<range.lowerBound]
                pending = String(pending[range.upperBound...])
                var name: String?
                var data = ""
                var id: String?
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    // Chunked transfer encoding puts size lines between blocks; they are neither field.
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                    if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                }
                if let name { events.append(Event(name: name, data: data, id: id)) }
            }
        }
        return events
    }

    func close() { _ = Foundation.close(fd) }
}
