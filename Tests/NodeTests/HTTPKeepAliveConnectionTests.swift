import Foundation
import Hummingbird
import RaftcastClient
import TestSupport
import XCTest

/// `HTTPKeepAliveConnection` (the cluster benchmark's client) against a real HTTP server: requests in a
/// row share one TCP connection, bodies larger than one read come back whole, a dropped connection is
/// reopened, and a dead port is a one-line failure.
final class HTTPKeepAliveConnectionTests: XCTestCase {
    func testRequestsInARowShareOneConnection() throws {
        let server = try FakeNodeServer.start(in: self) { router in
            router.post("echo") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 4 << 20)
                return Response(status: .ok, body: .init(byteBuffer: body))
            }
        }
        let connection = HTTPKeepAliveConnection(host: "127.0.0.1", port: server.port)
        for size in [0, 1, 300 << 10, 17] {
            let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let response = try connection.request(method: "POST", path: "/echo", body: body, timeout: .seconds(5))
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, body, "body of \(size) bytes echoed whole")
        }
        XCTAssertEqual(connection.connects, 1, "four requests over one kept connection")

        connection.disconnect()
        XCTAssertEqual(try connection.request(method: "POST", path: "/echo", body: [1, 2, 3]).body, [1, 2, 3])
        XCTAssertEqual(connection.connects, 2, "a new connection after disconnect()")
    }

    func testADeadPortFailsWithOneLine() throws {
        let port = try LocalCluster.freePorts(1)[0]
        let connection = HTTPKeepAliveConnection(host: "127.0.0.1", port: port)
        XCTAssertThrowsError(try connection.request(path: "/", timeout: .seconds(1))) { error in
            XCTAssertTrue("\(error)".contains("cannot connect"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
        XCTAssertEqual(connection.connects, 0)
    }
}
