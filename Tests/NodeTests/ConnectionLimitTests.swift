import Broadcast
import Foundation
import Node
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Connections are bounded: real `raftcast node` processes under hostile clients (issue 13, "Connections
/// are bounded"). Every client here is on loopback, bounded in count and time, and closed at the end.
final class ConnectionLimitTests: XCTestCase {
    /// A request head with the given method, path, and extra header lines.
    func head(_ method: String, _ path: String, _ lines: [String]) -> [UInt8] {
        Array(("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n" + lines.map { "\($0)\r\n" }.joined() + "\r\n").utf8)
    }

    /// The answer `exchange` got, as a problem: status, `Connection: close`, problem+json, slug.
    func assertRefused(
        _ exchange: RawSocket.Exchange, status: Int, slug: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(exchange.status, status, exchange.text, file: file, line: line)
        let lower = exchange.text.lowercased()
        XCTAssertTrue(lower.contains("\r\nconnection: close\r\n"), exchange.text, file: file, line: line)
        XCTAssertTrue(lower.contains("\r\ncontent-type: application/problem+json\r\n"), exchange.text, file: file, line: line)
        let body = exchange.text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let problem = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        XCTAssertEqual(problem?["type"] as? String, "https://raftcast.dev/problems/\(slug)", exchange.text, file: file, line: line)
        XCTAssertEqual(problem?["status"] as? Int, status, file: file, line: line)
        XCTAssertTrue(exchange.closedByServer, "the node closed the connection without waiting for the body", file: file, line: line)
    }

    func testUnauthenticatedOrOversizedRequestIsAnsweredAndClosedWithoutReadingTheBody() throws {
        let cluster = try LocalCluster(size: 1, debugPropose: true)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let port = cluster.httpPorts[0]
        let twoGiB = "Content-Length: \(2 << 30)"
        let token = "Authorization: Bearer \(cluster.token)"

        // The heads alone, declaring 2 GiB: each answered at once and closed (the client never sends the body).
        assertRefused(try RawSocket.exchange(port: port, send: head("POST", "/v1/streams?filename=a.mp3", [twoGiB]), timeout: .seconds(5)),
                      status: 401, slug: "unauthorized")
        assertRefused(try RawSocket.exchange(port: port, send: head("POST", "/v1/debug/propose", [twoGiB, "Authorization: Bearer 00"]), timeout: .seconds(5)),
                      status: 401, slug: "unauthorized")
        assertRefused(try RawSocket.exchange(port: port, send: head("DELETE", "/v1/streams/00000000000000c7", [twoGiB]), timeout: .seconds(5)),
                      status: 401, slug: "unauthorized")
        // With the token, above max_upload_mb (1 GiB by default) and above the propose limit (16 MiB).
        assertRefused(try RawSocket.exchange(port: port, send: head("POST", "/v1/streams?filename=a.mp3", [twoGiB, token]), timeout: .seconds(5)),
                      status: 413, slug: "too-large")
        assertRefused(try RawSocket.exchange(port: port, send: head("POST", "/v1/debug/propose", ["Content-Length: \((16 << 20) + 1)", token]), timeout: .seconds(5)),
                      status: 413, slug: "too-large")
        // A read declaring a body is refused too (no read route takes one).
        assertRefused(try RawSocket.exchange(port: port, send: head("GET", "/v1/cluster", ["Content-Length: \(1 << 20)"]), timeout: .seconds(5)),
                      status: 413, slug: "too-large")

        // A client that pushes the body regardless is cut off: it cannot send more than what the
        // sockets' buffers hold before the node resets the connection.
        let pushed = try pushBody(port: port, head: head("POST", "/v1/streams?filename=a.mp3", [twoGiB]), for: .seconds(5))
        XCTAssertTrue(pushed.cutOff, "the node closed the connection while the body was being pushed")
        XCTAssertLessThan(pushed.bytes, 64 << 20, "sent before the node closed the connection")

        // Nothing of this reached the node's state; right requests still work.
        let report = try XCTUnwrap(cluster.report(leader))
        XCTAssertEqual(report.role, "leader")
        let ok = try cluster.proposeRaw(Array("after".utf8), via: leader)
        XCTAssertEqual(ok.status, 200, ok.text)
        let streams = try cluster.http(leader, "GET", "/v1/streams")
        XCTAssertEqual(streams.status, 200)
    }

    /// Sends `head`, then zeros as fast as the socket takes them for at most `duration`. Returns the
    /// body bytes sent and whether the server closed the connection meanwhile.
    func pushBody(port: Int, head: [UInt8], for duration: Duration) throws -> (bytes: Int, cutOff: Bool) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var remote = LoopbackSocket.address("127.0.0.1", port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure(description: "connect: errno \(errno)") }
        var slice = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &slice, socklen_t(MemoryLayout<timeval>.size))
        _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let chunk = [UInt8](repeating: 0, count: 64 << 10)
        var total = 0
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            let n = chunk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { total += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { continue }
            return (total, true)
        }
        return (total, false)
    }

    func testSlowRequestHeadAndSilentConnectionAreClosedAfterTheHeadTimeout() throws {
        let cluster = try LocalCluster(size: 1)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        _ = try cluster.waitForLeader(among: cluster.ids)
        let port = cluster.httpPorts[0]
        let timeout = HTTPConnectionLimits().requestHeadTimeout
        // One connection trickles a header byte every 200 ms (it would never finish its head), one
        // sends nothing; both at once.
        let results = ConcurrentResults()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let held = Result {
                try RawSocket.trickle(
                    port: port, first: i == 0 ? Array("GET /v1/cluster HTTP/1.1\r\nX-Slow: ".utf8) : [],
                    trickle: i == 0 ? Array("a".utf8) : [], interval: .milliseconds(200), limit: timeout + .seconds(5))
            }
            results.set(i, held)
        }
        for (i, what) in ["a slowloris head", "a silent connection"].enumerated() {
            let held = try XCTUnwrap(try results.get(i), "\(what) is closed by the node")
            XCTAssertGreaterThanOrEqual(held, timeout * 0.8 - .milliseconds(300), what)
            XCTAssertLessThan(held, timeout + .seconds(2), what)
        }
        // A complete request is answered as before.
        XCTAssertNotNil(cluster.report(cluster.ids[0]))
    }
}
